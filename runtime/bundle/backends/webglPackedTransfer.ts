// The bundle's WebGL backend moves float32 tensors to and from packed textures without
// a shader program. tfjs uploads a tensor by writing its values densely into a texture
// and running an encode program that rearranges them into the packed layout, and reads
// one back by running a decode program first. Each is a program compiled, linked and
// built at its first draw: on a software renderer about 50–140 ms each (issue 18
// point 4, the time to a first prediction; Géron's model ran six programs before its
// first prediction, three of them these). Here the packing is done on the CPU instead,
// once per upload, in the same layout tfjs's packed programs read and write.
//
// The packed layout (tfjs-backend-webgl's packed samplers and output coordinates): a
// tensor is seen as [B, R, C] (`getShapeAs3D`: the leading dimensions multiplied into
// B). Its values go four to a texel, a 2×2 block of rows and columns:
//
//   texel index  t = b · ⌈R/2⌉⌈C/2⌉ + ⌊r/2⌋ · ⌈C/2⌉ + ⌊c/2⌋
//   channel      (r mod 2) · 2 + (c mod 2)
//
// and the texels lie row by row in a texture ⌈W/2⌉ wide, where [H, W] is the packed
// texture shape tfjs gives [B, R, C] (`getTextureShapeFromLogicalShape(…, true)`).
// Channels past the tensor's last row or column are zero, as the encode program writes.
//
// Anything else (integer or byte values, slices, float16-only renderers, WebGL 1) takes
// tfjs's own path.

import { engine, env } from '@tensorflow/tfjs-core';
import type { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl/dist/backend_webgl.js';
import { TextureUsage } from '@tensorflow/tfjs-backend-webgl/dist/tex_util.js';
import { getShapeAs3D, getTextureShapeFromLogicalShape } from '@tensorflow/tfjs-backend-webgl/dist/webgl_util.js';

/** Where a [B, R, C] tensor's values lie in its packed texture. */
export interface PackedLayout {
  readonly batches: number;
  readonly rows: number;
  readonly columns: number;
  /** The texture's size in texels. */
  readonly width: number;
  readonly height: number;
}

export function packedLayout(shape: readonly number[], texShape: readonly number[]): PackedLayout {
  const [batches, rows, columns] = getShapeAs3D(shape as number[]);
  return { batches, rows, columns, width: Math.max(1, Math.ceil(texShape[1] / 2)), height: Math.max(1, Math.ceil(texShape[0] / 2)) };
}

/** Calls `visit(value index, texel value index)` for every value of the tensor. */
function forEachValue({ batches, rows, columns }: PackedLayout, visit: (value: number, texelValue: number) => void): void {
  const texelsInRow = Math.ceil(columns / 2);
  const texelsInBatch = texelsInRow * Math.ceil(rows / 2);
  let value = 0;
  for (let b = 0; b < batches; b++) {
    for (let r = 0; r < rows; r++) {
      const rowTexel = b * texelsInBatch + (r >> 1) * texelsInRow;
      const channel = (r & 1) * 2;
      for (let c = 0; c < columns; c++) visit(value++, (rowTexel + (c >> 1)) * 4 + channel + (c & 1));
    }
  }
}

/** The texture's texels (4 floats each) holding `values` in the packed layout. */
export function packTexels(values: Float32Array, layout: PackedLayout): Float32Array {
  const texels = new Float32Array(layout.width * layout.height * 4);
  forEachValue(layout, (v, t) => {
    texels[t] = values[v];
  });
  return texels;
}

/** The tensor's values from its packed texture's texels. */
export function unpackTexels(texels: Float32Array, layout: PackedLayout): Float32Array {
  const values = new Float32Array(layout.batches * layout.rows * layout.columns);
  forEachValue(layout, (v, t) => {
    values[v] = texels[t];
  });
  return values;
}

/** What the patched methods use of tfjs's backend (its fields are not in its typings). */
interface BackendInternals {
  texData: { get(dataId: object): TexData; delete(dataId: object): void };
  gpgpu: MathBackendWebGL['gpgpu'];
  pendingRead: Map<object, ((values: unknown) => void)[]>;
  pendingDisposal: Set<object>;
  pendingDeletes: number;
  acquireTexture(texShape: number[], usage: TextureUsage, dtype: string, isPacked: boolean): { texture: WebGLTexture; texShape: number[] };
  convertAndCacheOnCPU(dataId: object, values: Float32Array): unknown;
  disposeData(dataId: object): boolean;
  uploadToGPU(dataId: object): void;
  read(dataId: object): Promise<unknown>;
}

interface TexData {
  shape: number[];
  dtype: string;
  values: unknown;
  texture: { texture: WebGLTexture; texShape: number[] } | null;
  texShape: number[] | null;
  usage: TextureUsage | null;
  isPacked: boolean;
  slice?: unknown;
}

const directPathOn = () => env().getNumber('WEBGL_VERSION') === 2 && env().getBool('WEBGL_RENDER_FLOAT32_ENABLED');

/** Makes `backend` upload float32 values into packed textures, and read packed float32 textures, without encode or decode programs. */
export function transferPackedDirectly(webgl: MathBackendWebGL): void {
  const backend = webgl as unknown as BackendInternals;
  const upload = backend.uploadToGPU.bind(backend);
  const read = backend.read.bind(backend);

  backend.uploadToGPU = (dataId) => {
    const data = backend.texData.get(dataId);
    if (data.texture !== null && data.texture !== undefined) return;
    if (!(data.values instanceof Float32Array) || !data.isPacked || data.dtype !== 'float32' || !directPathOn()) return upload(dataId);
    const texShape = getTextureShapeFromLogicalShape(getShapeAs3D(data.shape), true);
    const layout = packedLayout(data.shape, texShape);
    const texture = backend.acquireTexture(texShape, TextureUsage.RENDER, 'float32', true);
    backend.gpgpu.uploadDenseMatrixToTexture(texture.texture, layout.width, layout.height, packTexels(data.values, layout));
    Object.assign(data, { texShape, texture, usage: TextureUsage.RENDER, values: null });
  };

  backend.read = async (dataId) => {
    const data = backend.texData.get(dataId);
    if (backend.pendingRead.has(dataId) || data.slice != null || data.values != null || !data.isPacked || !data.texture || !data.texShape || data.dtype !== 'float32' || !directPathOn()) return read(dataId);
    const { gpgpu } = backend;
    const layout = packedLayout(data.shape, data.texShape);
    const buffer = gpgpu.createBufferFromTexture(data.texture.texture, layout.height, layout.width);
    backend.pendingRead.set(dataId, []);
    let texels: Float32Array;
    try {
      await gpgpu.createAndWaitForFence();
      texels = gpgpu.downloadFloat32MatrixFromBuffer(buffer, layout.width * layout.height * 4);
    } finally {
      gpgpu.gl.deleteBuffer(buffer);
    }
    const values = backend.convertAndCacheOnCPU(dataId, unpackTexels(texels, layout));
    // What tfjs's read does after its download: the other readers get the values, and a
    // dispose that came while reading happens now.
    const waiting = backend.pendingRead.get(dataId) ?? [];
    backend.pendingRead.delete(dataId);
    for (const resolve of waiting) resolve(values);
    if (backend.pendingDisposal.has(dataId)) {
      backend.pendingDisposal.delete(dataId);
      if (backend.disposeData(dataId)) engine().removeDataId(dataId, webgl);
      backend.pendingDeletes--;
    }
    return values;
  };
}
