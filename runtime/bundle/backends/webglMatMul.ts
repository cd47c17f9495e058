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
//
// The fused activation is a uniform too, where it is none, linear, ReLU or ReLU6 (the
// ones the optimizer fuses into products): one shader holds the three, chosen by
// `nncActivation` (0: none, 1: ReLU, 2: ReLU6) with tfjs's own arithmetic for each
// (ReLU x · (x ≥ 0), ReLU6 min(x, 6) · (x ≥ 0), NaN kept), so a model's products with
// and without ReLU are one program: Géron's three dense layers, MobileNetV2's expanding
// (ReLU6) and projecting (linear) 1×1 convolutions. Other activations keep tfjs's shader.

import { type TensorInfo, env } from '@tensorflow/tfjs-core';
import type { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl/dist/backend_webgl.js';
import type { GPGPUProgram } from '@tensorflow/tfjs-backend-webgl/dist/gpgpu_math.js';
import { MatMulPackedProgram } from '@tensorflow/tfjs-backend-webgl/dist/mulmat_packed_gpu.js';
import { LINEAR, RELU, RELU6 } from '@tensorflow/tfjs-backend-webgl/dist/unaryop_packed_gpu.js';

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

/** tfjs's activation function in a product's shader (MatMulPackedProgram's text), per kind. */
const activationFunction = (body: string) => `vec4 activation(vec4 x) {\n          ${body}\n        }`;
const KINDS = [[LINEAR, 0], [RELU, 1], [RELU6, 2]] as const;
const APPLY = 'result = activation(result);';
const OUTPUT = 'setOutput(result);';

const UNIFORM_ACTIVATION = `vec4 activation(vec4 x) {
  if (nncActivation == 0) return x;
  vec4 result = (nncActivation == 2 ? min(x, vec4(6.)) : x) * vec4(greaterThanEqual(x, vec4(0.0)));
  bvec4 isNaN = isnan(x);
  result.r = isNaN.r ? x.r : result.r;
  result.g = isNaN.g ? x.g : result.g;
  result.b = isNaN.b ? x.b : result.b;
  result.a = isNaN.a ? x.a : result.a;
  return result;
}`;

/** `userCode` with its fused activation read from the `nncActivation` uniform, and that uniform's value; null for an activation it does not hold. */
export function withUniformActivation(userCode: string): { userCode: string; kind: number } | null {
  if (userCode.split(OUTPUT).length !== 2) return null;
  const found = KINDS.find(([body]) => userCode.includes(activationFunction(body)));
  if (!found && userCode.includes('activation(')) return null;
  const [body, kind] = found ?? ['', 0];
  const without = found ? userCode.replace(activationFunction(body), '').replace(APPLY, '') : userCode;
  return { userCode: `${UNIFORM_ACTIVATION}\n${without.replace(OUTPUT, `${APPLY}\n${OUTPUT}`)}`, kind };
}

/** Makes `backend` run tfjs's packed matrix products with the rewritten shader (where shapes are uniforms, on WebGL 2). */
export function shareMatMulPrograms(backend: MathBackendWebGL): void {
  const run = backend.runWebGLProgram.bind(backend);
  backend.runWebGLProgram = (program: GPGPUProgram, inputs: TensorInfo[], ...rest) => {
    if (program instanceof MatMulPackedProgram && program.enableShapeUniforms && env().getNumber('WEBGL_VERSION') === 2) {
      const userCode = withUniformSharedDimension(program.userCode, inputs[0].shape);
      const activation = userCode !== null && (program as GPGPUProgram).customUniforms === undefined && rest[1] === undefined ? withUniformActivation(userCode) : null;
      if (activation !== null) {
        program.userCode = activation.userCode;
        (program as GPGPUProgram).customUniforms = [{ name: 'nncActivation', type: 'int' }];
        rest[1] = [[activation.kind]];
      } else if (userCode !== null) program.userCode = userCode;
    }
    return run(program, inputs, ...rest);
  };
}
