// Keras constants the definitions and the kernels share (not layer definitions).

/** Keras's `backend.epsilon()`: the floor of Normalization's standard deviation. */
export const KERAS_EPSILON = 1e-7;
