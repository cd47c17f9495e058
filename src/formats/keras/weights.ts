// Keras weights → the IR's `<layer>/<variable>` map, found by each file's own index:
//
// - Keras 3 (`model.weights.h5` in a `.keras`): `layers/<class>_<k>/vars/<i>`, the group
//   named by class and order (config.ts computes it per layer), the variables numbered in
//   the layer's own order — trainable then non-trainable, as created: Dense and Conv2D
//   kernel, bias; DepthwiseConv2D depthwise_kernel, bias; BatchNormalization gamma (if
//   scale), beta (if center), moving_mean, moving_variance — which is the order the IR
//   declares them in (`nodeWeights`). `vars` keys are sorted as numbers ("10" after "9").
//   tf.keras 2.13–2.15 wrote `_layer_checkpoint_dependencies` for `layers`, read too.
// - legacy `.h5` (Keras 2 `model.save("x.h5")`, Keras 3's legacy writer): `model_weights/
//   <layer>` with a `weight_names` attribute listing its variables' paths inside that
//   group (`dense/kernel:0` in Keras 2, `sequential/dense/kernel` in Keras 3); the last part
//   without `:0` is the variable. A nested model is one group; its layers' variables are
//   told apart by the part before the variable's name.
//
// Every mismatch (missing group, wrong count, wrong shape) is collected and reported at once.

import type { HostTensor } from '../../ir/tensors.js';
import type { WeightSpec } from '../../ir/types.js';
import type { Hdf5File, Hdf5Group } from '../hdf5.js';

/** Where an IR layer came from, and the weights it declares: what finding its weights needs. */
export interface ImportedLayer {
  /** Its name in the IR (the Keras name, or `<nested>.<name>` after a clash). */
  readonly name: string;
  /** Its name in Keras. */
  readonly kerasName: string;
  readonly className: string;
  /** The nested models around it, outermost first ([] at the top level). */
  readonly nesting: readonly string[];
  /** Its weights' group in a Keras 3 `model.weights.h5` (`layers/functional/layers/dense`). */
  readonly keras3Path: string;
  /** The weights the IR layer declares, in Keras's variable order. */
  readonly weights: readonly WeightSpec[];
}

/** Every problem found, all at once (unsupported layers, refused options, bad shapes, missing weights). */
export class ImportErrors extends Error {
  readonly errors: readonly string[];
  constructor(errors: readonly string[]) {
    super(errors.join('\n'));
    this.errors = errors;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function describeLayer(layer: ImportedLayer): string {
  const nested = layer.nesting.length > 0 ? ` in nested model '${layer.nesting.join("' > '")}'` : '';
  return `layer '${layer.kerasName}' (${layer.className})${nested}`;
}

/** Keras 3 `model.weights.h5`. */
export function readKeras3Weights(file: Hdf5File, layers: readonly ImportedLayer[]): Map<string, HostTensor> {
  const weights = new Map<string, HostTensor>();
  const errors: string[] = [];
  const legacyContainer = file.root.has('_layer_checkpoint_dependencies');
  for (const layer of layers) {
    const decls = layer.weights;
    if (decls.length === 0) continue;
    // As Keras's H5Entry reads: the path as written, else (tf.keras 2.13-2.15 files) with
    // `layers` spelled `_layer_checkpoint_dependencies`.
    let path = layer.keras3Path;
    if (file.root.groupAt(`${path}/vars`) === null && legacyContainer) path = path.replace(/(^|\/)layers(?=\/)/g, '$1_layer_checkpoint_dependencies');
    const vars = file.root.groupAt(`${path}/vars`);
    if (vars === null) {
      errors.push(`${describeLayer(layer)}: the weights file '${file.name}' has no group '${path}/vars'`);
      continue;
    }
    const keys = vars.keys();
    const bad = keys.filter((k) => !/^(0|[1-9][0-9]*)$/.test(k));
    if (bad.length > 0) {
      errors.push(`${describeLayer(layer)}: '${path}/vars' holds '${bad[0]}', not a variable number`);
      continue;
    }
    keys.sort((a, b) => Number(a) - Number(b));
    if (keys.length !== decls.length) {
      errors.push(`${describeLayer(layer)}: '${path}/vars' holds ${keys.length} variables, the layer has ${decls.length} (${decls.map((d) => d.name).join(', ')})`);
      continue;
    }
    decls.forEach((decl, i) => {
      const dataset = vars.dataset(keys[i]);
      if (dataset === null) {
        errors.push(`${describeLayer(layer)}: '${path}/vars/${keys[i]}' is not a dataset`);
        return;
      }
      if (!sameShape(dataset.shape, decl.shape)) {
        errors.push(`${describeLayer(layer)}: ${decl.name} ('${dataset.path}') is [${dataset.shape.join(', ')}], the layer needs [${decl.shape.join(', ')}]`);
        return;
      }
      weights.set(`${layer.name}/${decl.name}`, { shape: decl.shape, data: dataset.readFloat32() });
    });
  }
  if (errors.length > 0) throw new ImportErrors(errors);
  return weights;
}

/** A legacy full-model `.h5` (or a `save_weights` `.h5`, whose root is the weights group). */
export function readLegacyWeights(file: Hdf5File, layers: readonly ImportedLayer[]): Map<string, HostTensor> {
  const root: Hdf5Group = file.root.group('model_weights') ?? file.root;
  const weights = new Map<string, HostTensor>();
  const errors: string[] = [];
  for (const layer of layers) {
    const decls = layer.weights;
    if (decls.length === 0) continue;
    const groupName = layer.nesting[0] ?? layer.kerasName;
    const group = root.group(groupName);
    if (group === null) {
      errors.push(`${describeLayer(layer)}: '${file.name}' has no weights group '${groupName}'`);
      continue;
    }
    const listed = stringList(group.attr('weight_names'));
    if (listed === null) {
      errors.push(`${describeLayer(layer)}: weights group '${groupName}' has no weight_names attribute`);
      continue;
    }
    const parts = (name: string) => name.replace(/:\d+$/, '').split('/');
    const own = layer.nesting.length === 0 ? listed : listed.filter((n) => parts(n).at(-2) === layer.kerasName);
    for (const decl of decls) {
      const matches = own.filter((n) => parts(n).at(-1) === decl.name);
      if (matches.length !== 1) {
        errors.push(`${describeLayer(layer)}: weight_names of group '${groupName}' list ${matches.length === 0 ? 'no' : matches.length} '${decl.name}' (${own.length > 0 ? own.join(', ') : 'nothing'})`);
        continue;
      }
      const dataset = group.datasetAt(matches[0]);
      if (dataset === null) {
        errors.push(`${describeLayer(layer)}: weights group '${groupName}' lists '${matches[0]}', which is not in the file`);
        continue;
      }
      if (!sameShape(dataset.shape, decl.shape)) {
        errors.push(`${describeLayer(layer)}: ${decl.name} ('${dataset.path}') is [${dataset.shape.join(', ')}], the layer needs [${decl.shape.join(', ')}]`);
        continue;
      }
      weights.set(`${layer.name}/${decl.name}`, { shape: decl.shape, data: dataset.readFloat32() });
    }
  }
  if (errors.length > 0) throw new ImportErrors(errors);
  return weights;
}

/** An HDF5 string-list attribute as strings (jsfive gives strings; bytes are decoded). */
export function stringList(value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  const items = Array.isArray(value) ? value : typeof value === 'string' ? [value] : null;
  if (items === null) return null;
  const out: string[] = [];
  for (const item of items) {
    if (typeof item === 'string') out.push(item);
    else if (item instanceof Uint8Array) out.push(new TextDecoder().decode(item));
    else return null;
  }
  return out;
}
