// The optimized bundle built in the page, downloaded as one zip.
import type { WeightMap } from '../ir/tensors.js';
import type { Graph } from '../ir/types.js';

export async function bundleZip(_graph: Graph, _weights: WeightMap | null): Promise<{ bytes: Uint8Array<ArrayBuffer>; summary: string }> {
  throw new Error('building a bundle in the page is not available in this build');
}
