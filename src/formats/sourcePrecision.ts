// The source's precision, recorded in a weights file's metadata by `nnc import` and read
// back by the commands that take `--weights`, so that `nnc build model.nn --weights
// weights.safetensors` keeps a quantized source's precision (and codes) as building from
// the source itself does. The weights file holds float32 values either way.
//
//   "__metadata__": { ..., "nnc_source_dtypes": "<JSON>" }
//   <JSON> = { "<layer>/<variable>": { "dtype": "float32" | "float16" }
//                                  | { "dtype": "uint8" | "uint16", "min": <number>, "scale": <number> }, ... }
//
// (safetensors metadata values are strings, hence JSON in a string.) A key absent from the
// metadata is a file nnc import did not write: float32, as any weights file.

import { NncError } from '../diagnostics.js';
import type { SourceDtype, SourceQuantization } from '../ir/tensors.js';

export const SOURCE_DTYPES_KEY = 'nnc_source_dtypes';

export interface SourcePrecision {
  readonly sourceDtypes: ReadonlyMap<string, SourceDtype>;
  readonly sourceQuantization: ReadonlyMap<string, SourceQuantization>;
}

/** The metadata entry for a weights file, or none when the source was float32 throughout. */
export function sourcePrecisionMetadata(dtypes: ReadonlyMap<string, SourceDtype> | undefined, quantization: ReadonlyMap<string, SourceQuantization> | undefined): Record<string, string> {
  if (dtypes === undefined || [...dtypes.values()].every((d) => d === 'float32')) return {};
  const entries = [...dtypes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, dtype]) => {
    const q = quantization?.get(key);
    return [key, q !== undefined && q.dtype === dtype ? { dtype, min: q.min, scale: q.scale } : { dtype }] as const;
  });
  return { [SOURCE_DTYPES_KEY]: JSON.stringify(Object.fromEntries(entries)) };
}

/** The source precision a weights file's metadata records, or null when it records none. */
export function readSourcePrecision(metadata: Readonly<Record<string, string>>, what: string): SourcePrecision | null {
  const text = metadata[SOURCE_DTYPES_KEY];
  if (text === undefined) return null;
  const fail = (why: string): never => {
    throw new NncError(`${what}: metadata '${SOURCE_DTYPES_KEY}' ${why}`);
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    fail('is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('is not a JSON object');
  const sourceDtypes = new Map<string, SourceDtype>();
  const sourceQuantization = new Map<string, SourceQuantization>();
  for (const [key, entry] of Object.entries(json)) {
    const { dtype, min, scale } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (dtype === 'float32' || dtype === 'float16') sourceDtypes.set(key, dtype);
    else if (dtype === 'uint8' || dtype === 'uint16') {
      if (typeof min !== 'number' || !Number.isFinite(min) || typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) fail(`gives '${key}' (${dtype}) no finite min and positive scale`);
      sourceDtypes.set(key, dtype);
      sourceQuantization.set(key, { dtype, min: min as number, scale: scale as number });
    } else fail(`gives '${key}' dtype ${JSON.stringify(dtype)}, not float32, float16, uint8 or uint16`);
  }
  return { sourceDtypes, sourceQuantization };
}
