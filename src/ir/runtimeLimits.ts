// What the runtime can hold, so that a model beyond it is refused when it is checked,
// not with an allocation failure when it is first run. The default backend (wasm in
// Node) keeps every weight and activation in one WebAssembly memory, whose heap
// tfjs-backend-wasm caps at 4 GiB − 64 KiB (its getHeapMax(): 32-bit addresses).

/** Bytes the wasm backend's heap can hold: 4,294,901,760. */
export const MAX_RUNTIME_BYTES = 4294901760;

/** Bytes of a float32 value. */
export const FLOAT32_BYTES = 4;
