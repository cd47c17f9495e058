// The bundle's WebGL Mean kernel: the mean over the height and width of a [B, H, W, C]
// tensor (GlobalAveragePooling2D) in one shader program, in place of tfjs's, which
// transposes the tensor and then reduces it in passes: three programs or more, each
// compiled and built before its first draw, a few hundred milliseconds on a software
// renderer (issue 18 point 4, the time to a first prediction; MobileNetV2, ResNet50 and
// DenseNet121 end with one). Any other mean goes to tfjs's kernel.
//
// The input stays packed (tfjs packs the last two axes, W and C, four values to a
// texel: w, w+1 × c, c+1). Output texel (b, c) of the packed [B, C] result holds
// batches b, b+1 × channels c, c+1; for each of the two batches the shader adds the
// texels over h and over w in pairs (an odd W's last texel has one row) and divides
// by H·W.

import { type KernelConfig, type KernelFunc, Mean, type MeanAttrs, type MeanInputs, type TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl/dist/backend_webgl.js';
import type { GPGPUProgram } from '@tensorflow/tfjs-backend-webgl/dist/gpgpu_math.js';
import { meanConfig as tfjsMean } from '@tensorflow/tfjs-backend-webgl/dist/kernels/Mean.js';
import { reshape } from '@tensorflow/tfjs-backend-webgl/dist/kernels/Reshape.js';

/** Mean over H and W of a packed [B, H, W, C]: packed [B, C]. */
export class SpatialMeanProgram implements GPGPUProgram {
  variableNames = ['A'];
  outputShape: number[];
  userCode: string;
  packedInputs = true;
  packedOutput = true;

  constructor([batch, height, width, channels]: readonly number[]) {
    this.outputShape = [batch, channels];
    const sum = (b: string) => `
        for (int h = 0; h < ${height}; h++) {
          for (int w = 0; w < ${width - 1}; w += 2) { vec4 v = getA(${b}, h, w, rc.y); s += v.xy + v.zw; }
          ${width % 2 === 1 ? `s += getA(${b}, h, ${width - 1}, rc.y).xy;` : ''}
        }`;
    this.userCode = `
      void main() {
        ivec2 rc = getOutputCoords();
        vec2 s = vec2(0.0);
        ${sum('rc.x')}
        vec2 first = s / ${height * width}.0;
        s = vec2(0.0);
        if (rc.x + 1 < ${batch}) { ${sum('rc.x + 1')} }
        setOutput(vec4(first, s / ${height * width}.0));
      }
    `;
  }
}

type MeanArgs = { inputs: MeanInputs; backend: MathBackendWebGL; attrs: MeanAttrs };

export function mean(args: MeanArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const axes = (Array.isArray(attrs.axis) ? attrs.axis : [attrs.axis]).map((a) => (a < 0 ? a + x.shape.length : a)).sort((a, b) => a - b);
  if (x.shape.length !== 4 || x.dtype !== 'float32' || axes.length !== 2 || axes[0] !== 1 || axes[1] !== 2 || backend.shouldExecuteOnCPU([x])) {
    return (tfjsMean.kernelFunc as unknown as (a: MeanArgs) => TensorInfo)(args);
  }
  const [batch, , , channels] = x.shape;
  const y = backend.runWebGLProgram(new SpatialMeanProgram(x.shape), [x], 'float32');
  if (!attrs.keepDims) return y;
  const kept = reshape({ inputs: { x: y }, backend, attrs: { shape: [batch, 1, 1, channels] } });
  backend.disposeIntermediateTensorInfo(y);
  return kept;
}

export const meanConfig: KernelConfig = {
  kernelName: Mean,
  backendName: 'webgl',
  kernelFunc: mean as unknown as KernelFunc,
};
