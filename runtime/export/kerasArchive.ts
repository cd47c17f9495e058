// The bytes of a Keras 3 `.keras` file: a zip (stored, as Keras writes it) of
// metadata.json, config.json and model.weights.h5, the HDF5 written by h5wasm (the HDF5
// library compiled to WebAssembly). Node only: h5wasm's Node build writes a real file,
// so the HDF5 goes through a private temporary folder, read back and removed.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import type { KerasExport, WeightGroup } from '../../compiler/export/kerasModel.js';

type H5Group = {
  create_group(name: string): H5Group | null;
  create_attribute(name: string, value: string): void;
  create_dataset(options: { name: string; data: Float32Array; shape: number[]; dtype: string }): unknown;
};

/** model.weights.h5 as bytes: every group, attribute and dataset in `groups`' order. */
export async function writeKerasWeights(groups: readonly WeightGroup[]): Promise<Uint8Array> {
  const { default: h5wasm } = await import('h5wasm/node');
  await h5wasm.ready;
  const folder = mkdtempSync(join(tmpdir(), 'nnc-export-'));
  const path = join(folder, 'model.weights.h5');
  try {
    const file = new h5wasm.File(path, 'w');
    try {
      const made = new Map<string, H5Group>([['', file as unknown as H5Group]]);
      // h5wasm makes one level at a time.
      const group = (path: string): H5Group => {
        const found = made.get(path);
        if (found) return found;
        const cut = path.lastIndexOf('/');
        const parent = group(cut < 0 ? '' : path.slice(0, cut));
        const created = parent.create_group(cut < 0 ? path : path.slice(cut + 1));
        if (created === null) throw new Error(`h5wasm could not make group '${path}'`);
        made.set(path, created);
        return created;
      };
      for (const g of groups) {
        const vars = group(g.path === '' ? 'vars' : `${g.path}/vars`);
        vars.create_attribute('name', g.name);
        for (const v of g.variables) vars.create_dataset({ name: v.key, data: v.data, shape: [...v.shape], dtype: '<f' });
      }
    } finally {
      file.close();
    }
    return new Uint8Array(readFileSync(path));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The `.keras` file's bytes. */
export async function kerasArchive(parts: KerasExport): Promise<Uint8Array> {
  const text = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const weights = await writeKerasWeights(parts.groups);
  // Keras's order and its stored (uncompressed) entries.
  return zipSync({ 'metadata.json': text(parts.metadata), 'config.json': text(parts.config), 'model.weights.h5': weights }, { level: 0, mtime: new Date(1980, 0, 1) });
}
