// The bundle's WebGL Softmax kernel: softmax over the last axis in one shader program
// (in place of tfjs's, which runs max, reshape, subtract, exp, sum, reshape and divide,
// seven programs with the unpacking and packing around them). On WebGL every distinct
// program is compiled and built before its first draw, a few hundred milliseconds each
// on a software renderer, so a model's first prediction pays per program (issue 18
// point 4; docs/web-builds.md, "Time to a first prediction").
//
// The logits are seen as rows × C (C, the last axis, a constant of the shader). For
// output texel (r, c) of the packed layout (rows r and r+1, columns c and c+1), the
// shader reads the two rows whole, twice: once for their maxima m, once for
// s = Σ_j exp(x_j − m); the output is exp(x − m) / s, what tf.softmax computes
// (subtracting the row's maximum keeps exp from overflowing). Every texel rereads its
// rows, so the work is rows · C² / 2 texel reads: beyond WHOLE_ROW_WORK, two programs
// instead, one writing each row's m and s (rows · 2C reads), one dividing (one read
// per value).

import { type KernelConfig, type KernelFunc, Softmax, type SoftmaxAttrs, type SoftmaxInputs, type TensorInfo, env } from '@tensorflow/tfjs-core';
import type { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl/dist/backend_webgl.js';
import type { GPGPUProgram } from '@tensorflow/tfjs-backend-webgl/dist/gpgpu_math.js';
import { reshape } from '@tensorflow/tfjs-backend-webgl/dist/kernels/Reshape.js';
import { shapeSize } from '../../../src/ir/shape.js';

/** Beyond this many texel reads (rows · C²/2), the two-program softmax (linear in C) runs instead. */
export const WHOLE_ROW_WORK = 1 << 24;

const shapeUniforms = () => env().getBool('WEBGL_USE_SHAPES_UNIFORMS');

/** `s += f(x)` over the columns of rows r and r+1 of the packed A, C columns (two per texel; an odd C's last texel has one). */
function overRowPairs(columns: number, body: (v: string) => string): string {
  const pairs = Math.floor(columns / 2);
  const odd = columns % 2 === 1;
  return [
    `for (int k = 0; k < ${pairs}; k++) { vec4 v = getA(r, 2 * k); ${body('v.xz')} ${body('v.yw')} }`,
    odd ? `{ vec4 v = getA(r, ${columns - 1}); ${body('v.xz')} }` : '',
  ].join('\n');
}

/** Softmax of rows × C logits in one packed program: output (r, c) texel = rows r, r+1 × columns c, c+1. */
export class SoftmaxRowsProgram implements GPGPUProgram {
  variableNames = ['A'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;
  enableShapeUniforms = shapeUniforms();

  constructor(rows: number, columns: number) {
    this.outputShape = [rows, columns];
    this.userCode = `
      void main() {
        ivec2 rc = getOutputCoords();
        int r = rc.x;
        vec2 m = getA(r, 0).xz;
        ${overRowPairs(columns, (v) => `m = max(m, ${v});`)}
        vec2 s = vec2(0.0);
        ${overRowPairs(columns, (v) => `s += exp(${v} - m);`)}
        vec4 x = getA(r, rc.y);
        setOutput(exp(x - m.xxyy) / s.xxyy);
      }
    `;
  }
}

/** Each row's maximum (column 0) and Σ exp(x − maximum) (column 1), unpacked rows × 2. */
export class SoftmaxStatsProgram implements GPGPUProgram {
  variableNames = ['A'];
  outputShape: number[];
  userCode: string;
  enableShapeUniforms = shapeUniforms();

  constructor(rows: number, columns: number) {
    this.outputShape = [rows, 2];
    this.userCode = `
      void main() {
        ivec2 rc = getOutputCoords();
        float m = getA(rc.x, 0);
        for (int j = 1; j < ${columns}; j++) m = max(m, getA(rc.x, j));
        float s = 0.0;
        if (rc.y == 1) for (int j = 0; j < ${columns}; j++) s += exp(getA(rc.x, j) - m);
        setOutput(rc.y == 0 ? m : s);
      }
    `;
  }
}

/** exp(x − row's maximum) / row's sum, from SoftmaxStatsProgram's output S. */
export class SoftmaxDivideProgram implements GPGPUProgram {
  variableNames = ['A', 'S'];
  outputShape: number[];
  userCode = `
    void main() {
      ivec2 rc = getOutputCoords();
      setOutput(exp(getA(rc.x, rc.y) - getS(rc.x, 0)) / getS(rc.x, 1));
    }
  `;
  enableShapeUniforms = shapeUniforms();

  constructor(rows: number, columns: number) {
    this.outputShape = [rows, columns];
  }
}

export function softmaxLastAxis({ inputs, backend, attrs }: { inputs: SoftmaxInputs; backend: MathBackendWebGL; attrs: SoftmaxAttrs }): TensorInfo {
  const logits = inputs.logits as TensorInfo;
  const rank = logits.shape.length;
  // (tfjs-core's `util` namespace is not imported: it would bring all of it into model.js.)
  const axis = attrs.dim < 0 ? rank + attrs.dim : attrs.dim;
  if (axis !== rank - 1) throw new Error(`Softmax along axis ${axis} of a rank-${rank} tensor: this bundle's WebGL kernel takes the last axis only`);
  const columns = logits.shape[rank - 1] ?? 1;
  const rows = shapeSize(logits.shape) / columns;
  const x = reshape({ inputs: { x: logits }, backend, attrs: { shape: [rows, columns] } });
  let y: TensorInfo;
  if (rows * columns * columns / 2 <= WHOLE_ROW_WORK) {
    y = backend.runWebGLProgram(new SoftmaxRowsProgram(rows, columns), [x], 'float32');
  } else {
    const stats = backend.runWebGLProgram(new SoftmaxStatsProgram(rows, columns), [x], 'float32');
    y = backend.runWebGLProgram(new SoftmaxDivideProgram(rows, columns), [x, stats], 'float32');
    backend.disposeIntermediateTensorInfo(stats);
  }
  const out = reshape({ inputs: { x: y }, backend, attrs: { shape: [...logits.shape] } });
  backend.disposeIntermediateTensorInfo(x);
  backend.disposeIntermediateTensorInfo(y);
  return out;
}

export const softmaxConfig: KernelConfig = {
  kernelName: Softmax,
  backendName: 'webgl',
  kernelFunc: softmaxLastAxis as unknown as KernelFunc,
};
