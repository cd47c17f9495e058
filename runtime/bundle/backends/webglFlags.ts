// The tfjs-backend-webgl flags a bundle pins: the WebGL chunk sets them (webgl.ts) and the
// build replaces the kernels' reads of them by these values (write.ts
// `withPinnedConvFlags`), so esbuild leaves out the programs they would switch to.
//
// Conv2D and FusedConv2D choose a program at run time: `WEBGL_EXP_CONV` (default false)
// the experimental packed convolution (conv_packed_gpu), else `WEBGL_CONV_IM2COL`
// (default: WebGL packing, on wherever WebGL runs) im2col + the packed matrix product,
// else the unpacked `Conv2DProgram` (conv_gpu). Pinned to their defaults, a bundle runs
// what tfjs runs by default, and the other two programs are not shipped.
export const PINNED_CONV_FLAGS: Readonly<Record<string, boolean>> = { WEBGL_EXP_CONV: false, WEBGL_CONV_IM2COL: true };
