// jsfive ships no typings; src/formats/hdf5.ts wraps the little of it nnc uses.
declare module 'jsfive' {
  export class File {
    constructor(buffer: ArrayBuffer, filename?: string);
  }
}
