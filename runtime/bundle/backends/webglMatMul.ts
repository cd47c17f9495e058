// The bundle's WebGL matrix products share their shader programs across shapes. tfjs's
// MatMulPackedProgram (dense layers, 1×1 convolutions, the im2col convolutions) writes
// its shared dimension into the shader as a constant loop bound, so every distinct K
// is a distinct program, compiled and built before its first draw: a few hundred
// milliseconds each on a software renderer (issue 18 point 4, the time to a first
// prediction). With shapes as uniforms (WEBGL_USE_SHAPES_UNIFORMS) and WebGL 2 (loops
// with a bound that is not a constant), the bound is read from the shape uniform of
// matrix A instead, and the program no longer depends on K: MobileNetV2's sixteen
// products with the same fused bias and activation compile once.
//
// A is [batch, M, K] (or [batch, K, M] transposed); its shape uniform is [M, K] when
// the batch is 1 (tfjs squeezes a packed rank-3 shape whose batch is 1), [batch, M, K]
// otherwise (shader_compiler's getUniformInfoFromShape). The packed loop runs over
// ceil(K / 2) texels.

import { type TensorInfo, env } from '@tensorflow/tfjs-core';
import type { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl/dist/backend_webgl.js';
import type { GPGPUProgram } from '@tensorflow/tfjs-backend-webgl/dist/gpgpu_math.js';
import { MatMulPackedProgram } from '@tensorflow/tfjs-backend-webgl/dist/mulmat_packed_gpu.js';

const CONSTANT_BOUND = /for \(int i = 0; i < (\d+); i\+\+\) \{\n(\s*)vec4 a = getMatrixA\(batchA, (i \* 2, rc\.y|rc\.y, i \* 2)\);/;
const SHARED_CONSTANT = /\n\s*\/\/ Don't use uniform for sharedDimensionPacked for performance\.\n\s*const float sharedDimension = \d+\.0;/;

/** `program`'s shader with its loop bound read from A's shape uniform; null if the shader is not the one this rewrite knows. */
export function withUniformSharedDimension(userCode: string, aShape: readonly number[]): string | null {
  const loop = CONSTANT_BOUND.exec(userCode);
  if (!loop || !SHARED_CONSTANT.test(userCode) || aShape.length !== 3) return null;
  const transposed = loop[3] === 'i * 2, rc.y';
  const k = transposed ? aShape[1] : aShape[2];
  if (Math.ceil(k / 2) !== Number(loop[1])) return null;
  const component = aShape[0] === 1 ? (transposed ? 'x' : 'y') : transposed ? 'y' : 'z';
  return userCode
    .replace(SHARED_CONSTANT, '')
    .replace(CONSTANT_BOUND, (whole, bound: string) => whole.replace(`i < ${bound};`, `i < (matrixAShape.${component} + 1) / 2;`));
}

/** Makes `backend` run tfjs's packed matrix products with the rewritten shader (where shapes are uniforms, on WebGL 2). */
export function shareMatMulPrograms(backend: MathBackendWebGL): void {
  const run = backend.runWebGLProgram.bind(backend);
  backend.runWebGLProgram = (program: GPGPUProgram, inputs: TensorInfo[], ...rest) => {
    if (program instanceof MatMulPackedProgram && program.enableShapeUniforms && env().getNumber('WEBGL_VERSION') === 2) {
      const userCode = withUniformSharedDimension(program.userCode, inputs[0].shape);
      if (userCode !== null) program.userCode = userCode;
    }
    return run(program, inputs, ...rest);
  };
}
