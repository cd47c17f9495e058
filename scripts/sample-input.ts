// Writes examples/fashion-mnist-4.npy: the first four images of the Fashion-MNIST
// test split (seed 42), float32 [4, 28, 28] scaled to [0, 1], and prints their labels.
import { writeFileSync } from 'node:fs';
import { loadFashionMnist } from '../runtime/data/fashionMnist.js';
import { writeNpy } from '../src/formats/npy.js';

const data = await loadFashionMnist();
const count = 4;
const x = data.test.x.slice(0, count * 784);
writeFileSync(new URL('../examples/fashion-mnist-4.npy', import.meta.url), writeNpy({ shape: [count, 28, 28], data: x }));
const labels = [...data.test.y.slice(0, count)];
console.log(`wrote examples/fashion-mnist-4.npy; labels ${labels.join(', ')} (${labels.map((l) => data.classNames[l]).join(', ')})`);
