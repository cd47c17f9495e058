// Shape rules of Conv2DTranspose (Keras 3's, with output_padding and dilation_rate): the
// output size per axis, and where the output window sits in the full transposed
// convolution. Read by the definition (linear.ts) and the kernel.

/**
 * Keras 3's transposed convolution output size per axis
 * (backend_utils._get_output_shape_given_tf_padding), K = (kernel − 1)·dilation + 1:
 *   valid: (size − 1)·stride + K + output_padding, output_padding=null meaning max(K, stride) − K
 *   same:  size·stride, or with output_padding (size − 1)·stride + K mod 2 + output_padding
 */
export function transposedSize(size: number, kernel: number, stride: number, dilation: number, padding: 'valid' | 'same', outputPadding: number | null): number {
  const effective = (kernel - 1) * dilation + 1;
  if (padding === 'valid') return (size - 1) * stride + effective + (outputPadding ?? Math.max(effective, stride) - effective);
  return outputPadding === null ? size * stride : (size - 1) * stride + (effective % 2) + outputPadding;
}

/**
 * Where output pixel o of a transposed convolution starts in its full, uncropped form
 * (input pixel i, kernel tap u landing at i·stride + u·dilation, size (n − 1)·stride + K):
 * out[o] = full[o + offset]: 0 for valid; for same, ⌊max((n − 1)·stride + K − O, 0) / 2⌋,
 * O the output size. That is K − 1 − left_pad of Keras 3's JAX backend
 * (_convert_conv_transpose_padding_args_from_keras_to_jax, checked by hand for every K
 * parity and output_padding) and TensorFlow's conv_transpose padding where TF accepts the
 * size. Pixels past the full form are zeros (valid's output_padding).
 */
export function transposedOffset(size: number, kernel: number, stride: number, dilation: number, padding: 'valid' | 'same', outputSize: number): number {
  if (padding === 'valid') return 0;
  const effective = (kernel - 1) * dilation + 1;
  return Math.floor(Math.max((size - 1) * stride + effective - outputSize, 0) / 2);
}

