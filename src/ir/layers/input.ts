// The model's inputs.

import { defineLayer } from './define.js';

/** A model input: fed, never computed; its shape is declared. */
export const Input = defineLayer({
  kind: 'Input',
  callable: false,
  inputs: 'none',
  attrs: {},
  inferShape: () => ({ error: 'an Input has no inputs to infer from' }),
});
