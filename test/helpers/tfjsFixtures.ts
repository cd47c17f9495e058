// The TensorFlow.js layers models of test/fixtures/tfjs/ (written by tfjs-layers itself,
// generate.ts), as files in memory, and tfjs-layers' own loader on those bytes: the
// independent reference the import and bundle tests compare nnc with.

import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync, readdirSync } from 'node:fs';

const FIXTURES = new URL('../fixtures/tfjs/', import.meta.url);

/** The files of fixture folder `dir`, by name. */
export function tfjsFixtureFiles(dir: string): Map<string, Uint8Array> {
  const url = new URL(`${dir}/`, FIXTURES);
  return new Map(readdirSync(url).map((f) => [f, new Uint8Array(readFileSync(new URL(f, url)))]));
}

/** tfjs-layers' own loader on the same bytes (model.json's topology and manifest, the shards in order; it dequantizes with tfjs-core's decodeWeights). */
export async function tfjsLayersModel(files: Map<string, Uint8Array>): Promise<tfl.LayersModel> {
  const json = JSON.parse(new TextDecoder().decode(files.get('model.json')));
  const groups = json.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  const shards = groups.flatMap((g) => g.paths.map((p) => files.get(p)!));
  const data = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0));
  let offset = 0;
  for (const s of shards) {
    data.set(s, offset);
    offset += s.byteLength;
  }
  return tfl.loadLayersModel({ load: async () => ({ modelTopology: json.modelTopology, weightSpecs: groups.flatMap((g) => g.weights), weightData: data.buffer }) });
}
