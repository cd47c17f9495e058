// The tfjs-backend-webgl flags a bundle pins: the WebGL chunk sets them (webgl.ts) and the
// build replaces tfjs's reads of them by these values (write.ts `withPinnedWebglFlags`), so
// esbuild leaves out the code they would switch to.
//
// - Conv2D and FusedConv2D choose a program at run time: `WEBGL_EXP_CONV` (default false)
//   the experimental packed convolution (conv_packed_gpu), else `WEBGL_CONV_IM2COL`
//   (default: WebGL packing, on wherever WebGL runs) im2col + the packed matrix product,
//   else the unpacked `Conv2DProgram` (conv_gpu). Pinned to their defaults: a bundle runs
//   what tfjs runs by default, and the other two programs are not shipped.
// - `WEBGL_PACK_DEPTHWISECONV` (default: WebGL packing) lets the depthwise kernels take
//   the packed program when the width stride is at most 2 and the depth multiplier 1.
//   Pinned true; a bundle whose graph has only such depthwise convolutions ships the
//   packed program alone (write.ts `packedDepthwiseOnly`).
// - `WEBGL_CPU_FORWARD` (default true) runs an op on the CPU, with tfjs-backend-cpu's
//   implementation, when its inputs are small (under 128 values) and not yet on the GPU.
//   Pinned false (tfjs's own WebGL tests run so): every op of a bundle runs on the GPU, and
//   the CPU implementations (arithmetic, cast, reductions, ...) are not shipped.
export const PINNED_WEBGL_FLAGS: Readonly<Record<string, boolean>> = { WEBGL_EXP_CONV: false, WEBGL_CONV_IM2COL: true, WEBGL_PACK_DEPTHWISECONV: true, WEBGL_CPU_FORWARD: false };
