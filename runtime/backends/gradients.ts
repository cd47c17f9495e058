// Gradient registration for training in Node.
//
// tfjs-core's Node entry (its CommonJS bundle) ships no gradient functions: they live
// in its ES-module sources, registered by `dist/register_all_gradients.js`, which Node
// cannot import directly (extensionless and directory imports). esbuild bundles that
// module once per process (~0.2 s) and it is imported from memory. Its copy of the ops
// shares tfjs's global engine and registries, so the gradients apply to our tensors.

import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

let registering: Promise<void> | undefined;

export function registerGradients(): Promise<void> {
  if (tf.getGradient('Mean') !== undefined) return Promise.resolve();
  registering ??= (async () => {
    const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-core'));
    const result = await build({
      entryPoints: [join(dist, 'register_all_gradients.js')],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      minify: true,
      write: false,
      logLevel: 'silent',
    });
    await import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString('base64')}`);
    if (tf.getGradient('Mean') === undefined) throw new Error('registering tfjs gradients failed');
  })();
  return registering;
}
