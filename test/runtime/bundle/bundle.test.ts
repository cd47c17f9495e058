// Bundles in Node: round trip, byte-identical rebuilds, float16, and every corrupted or
// hostile variant rejected with its own clear error before anything large is allocated.

import test from 'ava';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { optimize } from '../../../compiler/passes/pipeline.js';
import { loadBundle, readBundle } from '../../../runtime/bundle/node.js';
import { castWithoutComplex, kernelsByBackend, manifestLiteral, makeBundle, safetensorsWithoutWideFloats, writeBundle } from '../../../runtime/bundle/write.js';
import { inferenceKernelNames } from '../../../runtime/kernelNames.js';
import { initNodeBackend } from '../../../runtime/backends/node.js';
import { Model } from '../../../runtime/model.js';
import { GraphBuilder } from '../../../src/ir/graph.js';
import type { HostTensor } from '../../../src/ir/tensors.js';
import { exampleGraph, graphOf, hostMaxAbsDiff, randomizedWeights } from '../../helpers/models.js';

const scratch = mkdtempSync(join(tmpdir(), 'nnc-bundle-'));
test.after.always(() => rmSync(scratch, { recursive: true, force: true }));

const graph = exampleGraph('geron');
const weights = randomizedWeights(graph);
const optimized = optimize({ graph, weights });
let built: Awaited<ReturnType<typeof makeBundle>>;
const good = join(scratch, 'good');

test.before(async () => {
  await initNodeBackend('wasm');
  built = await makeBundle(optimized.graph, optimized.weights!);
  writeBundle(good, built);
});

/** A copy of the good bundle with one file replaced or edited. */
function variant(name: string, edit: (dir: string) => void): string {
  const dir = join(scratch, name);
  cpSync(good, dir, { recursive: true });
  edit(dir);
  return dir;
}

const editJson = (dir: string, change: (json: Record<string, any>) => void) => {
  const path = join(dir, 'model.json');
  const json = JSON.parse(readFileSync(path, 'utf8'));
  change(json);
  writeFileSync(path, JSON.stringify(json));
};

test.serial('a bundle loads in Node and predicts what the unoptimized model predicts', async (t) => {
  const model = await loadBundle(good);
  t.is(model.backend, 'wasm');
  const x = Float32Array.from({ length: 3 * 784 }, (_, i) => Math.sin(i) * 0.5 + 0.5);
  const y = await model.predict(x);
  const reference = new Model(graph, weights, 'wasm');
  const [expected] = await reference.predictHost({ shape: [3, 28, 28], data: x });
  // 1e-5: float32 rounding of folded weights (the optimizer's tolerance).
  t.true(hostMaxAbsDiff(y, expected.data) < 1e-5);
  t.is(y.length, 30);
  // The warm-up a page's load runs (one batch-1 predict on zeros) leaves no tensor behind.
  const tensors = model.tf.memory().numTensors;
  await model.warmUp();
  t.is(model.tf.memory().numTensors, tensors);
  model.dispose();
  reference.dispose();
});

test.serial('the same inputs give byte-identical files', async (t) => {
  const again = await makeBundle(optimized.graph, optimized.weights!);
  t.is(again.modelJson, built.modelJson);
  t.deepEqual(again.weights, built.weights);
  t.is(again.moduleJs, built.moduleJs);
  t.deepEqual([...again.chunks], [...built.chunks]);
});

test.serial("a bundle registers the graph's kernels on each backend, with the kernels those call, and carries the wasm binaries", async (t) => {
  const { modules, missingKernels } = kernelsByBackend(inferenceKernelNames(optimized.graph));
  // tfjs's kernels by file name; the bundle's own (runtime/bundle/backends/) as 'own:' and file name.
  const names = (backend: 'webgl' | 'wasm' | 'cpu') => modules[backend].map((m) => /kernels[\\/](\w+)\.js$/.exec(m.path)?.[1] ?? `own:${/backends[\\/](\w+)\.js$/.exec(m.path)![1]}`).sort();
  t.deepEqual(missingKernels, {});
  // Géron's optimized graph: three _FusedMatMul, a softmax, and the base kernels (Reshape, Identity, Cast).
  t.deepEqual(names('wasm'), ['Cast', 'Identity', 'Reshape', 'Softmax', '_FusedMatMul']);
  // The CPU's Softmax and Cast call other kernels' functions directly (max, exp, sum, div;
  // complex parts), whose configs come along: 15 of the CPU's 172. WebGL's Softmax is the
  // bundle's own one-program kernel (backends/webglSoftmax.ts), so tfjs's and the five it
  // calls stay out: 10 of WebGL's 170 kernels and the bundle's Softmax.
  t.deepEqual(names('webgl'), ['Cast', 'Complex', 'Identity', 'Multiply', 'NotEqual', 'Real', 'Reshape', 'Sum', 'Transpose', '_FusedMatMul', 'own:webglSoftmax']);
  t.deepEqual(names('cpu'), ['Add', 'BatchMatMul', 'Cast', 'Complex', 'Exp', 'Identity', 'Max', 'Real', 'RealDiv', 'Reshape', 'Softmax', 'Sub', 'Sum', 'Transpose', '_FusedMatMul']);
  t.deepEqual([...built.wasm.keys()], ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']);
  t.deepEqual(built.wasm.get('tfjs-backend-wasm.wasm')!.subarray(0, 4), new Uint8Array([0, 0x61, 0x73, 0x6d]));
  // One chunk per backend, fetched only when that backend is tried.
  t.deepEqual([...built.chunks.keys()].filter((name) => /^(webgl|wasm|cpu)-/.test(name)).map((name) => name.split('-')[0]).sort(), ['cpu', 'wasm', 'webgl']);
});

test.serial('float16 weights are half the size and decode to float32 within float16 precision', async (t) => {
  const half = await makeBundle(optimized.graph, optimized.weights!, 'float16');
  const dir = join(scratch, 'half');
  writeBundle(dir, half);
  const dataBytes = (b: typeof built) => b.manifest.weights.tensors.reduce((s, x) => s + x.offsets[1] - x.offsets[0], 0);
  t.is(dataBytes(half) * 2, dataBytes(built));
  const { weights: decoded } = await readBundle(dir);
  const kernel = decoded.get('dense/kernel')!;
  t.true(kernel.data instanceof Float32Array);
  const original = optimized.weights!.get('dense/kernel')!.data;
  let worst = 0;
  for (let i = 0; i < original.length; i++) worst = Math.max(worst, Math.abs(kernel.data[i] - original[i]) / Math.max(Math.abs(original[i]), 2 ** -14));
  // float16 has an 11-bit significand: relative rounding error at most 2^-11.
  t.true(worst <= 2 ** -11, `worst relative error ${worst}`);
});

const corrupted: [string, (dir: string) => void, RegExp][] = [
  ['truncated weights', (d) => writeFileSync(join(d, 'weights.safetensors'), readFileSync(join(d, 'weights.safetensors')).subarray(0, 1000)), /weights\.safetensors is 1000 bytes, but the manifest says \d+ \(truncated\?\)/],
  ['bad JSON', (d) => writeFileSync(join(d, 'model.json'), '{"format": "nnc-bundle", '), /model\.json is not valid JSON/],
  ['__proto__ keys', (d) => writeFileSync(join(d, 'model.json'), readFileSync(join(d, 'model.json'), 'utf8').replace(/"attrs":\s*\{\}/, '"attrs": {"__proto__": {"polluted": true}}')), /key '__proto__' at graph\.nodes\[0\]\.attrs\.__proto__ is not allowed/],
  ['edited shapes in the manifest', (d) => editJson(d, (j) => (j.weights.tensors[0].shape = [300, 784])), /does not match its manifest: tensor 'dense\/bias' has shape \[300\] in the file, \[300, 784\] in the manifest/],
  ['edited shapes in the graph', (d) => editJson(d, (j) => (j.graph.nodes[2].attrs.units = 301)), /stored shape \[None, 300\] differs from inferred \[None, 301\]/],
  ['wrong dtype', (d) => editJson(d, (j) => (j.weights.tensors[0].dtype = 'F16')), /tensor 'dense\/bias' is F32 in the file, F16 in the manifest/],
  ['a newer format version', (d) => editJson(d, (j) => (j.version = 2)), /bundle format version 2; this loader reads version 1 \(rebuild the bundle/],
  ['not a bundle', (d) => writeFileSync(join(d, 'model.json'), '{"modelTopology": {}}'), /is not an nnc bundle manifest/],
  ['an unknown op', (d) => editJson(d, (j) => (j.graph.nodes[1].kind = 'Eval')), /node 1 'flatten' has unknown kind "Eval"/],
  ['a mistyped attribute', (d) => editJson(d, (j) => (j.graph.nodes[2].attrs.units = '300; alert(1)')), /attribute 'units' must be an integer/],
  ['a flipped weight byte', (d) => {
    const bytes = readFileSync(join(d, 'weights.safetensors'));
    bytes[bytes.length - 5] ^= 0x40;
    writeFileSync(join(d, 'weights.safetensors'), bytes);
  }, /weights\.safetensors is corrupted: its SHA-256 is [0-9a-f]{64}, the manifest says/],
  ['an edited graph with a consistent shape', (d) => editJson(d, (j) => (j.graph.nodes[2].attrs.activation = { name: 'sigmoid' })), /content hash does not match: the manifest was edited after the build/],
  ['missing weights file', (d) => rmSync(join(d, 'weights.safetensors')), /cannot read weights file '.*weights\.safetensors': no such file/],
  ['a weights file name with a path', (d) => editJson(d, (j) => (j.weights.file = '../../etc/passwd')), /weights file name "\.\.\/\.\.\/etc\/passwd" must be a plain file name/],
];

for (const [name, edit, expected] of corrupted) {
  test.serial(`rejected with its own error: ${name}`, async (t) => {
    const dir = variant(name.replace(/\W+/g, '-'), edit);
    const error = await t.throwsAsync(readBundle(dir));
    t.is(error!.name, 'NncError');
    t.regex(error!.message, expected);
  });
}

test.serial('rejected before allocating: a safetensors header claiming terabytes', async (t) => {
  const dir = variant('terabytes', (d) => {
    const path = join(d, 'weights.safetensors');
    const bytes = readFileSync(path);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
    header['dense/kernel'].shape = [1_000_000, 1_000_000];
    const text = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(text.length));
    const rewritten = Buffer.concat([length, text, bytes.subarray(8 + headerLength)]);
    writeFileSync(path, rewritten);
    // The manifest agrees on the file size, so the header itself is what must be caught.
    editJson(d, (j) => (j.weights.byteLength = rewritten.length));
  });
  const error = await t.throwsAsync(readBundle(dir));
  t.regex(error!.message, /dense\/kernel/);
  t.regex(error!.message, /4000000000000 bytes/);
});

test.serial('names with quotes, backticks, </script> and newlines cannot inject code into model.js', async (t) => {
  const hostile = ['q"uote\'s', 'back`tick${1}', '</script><script>alert(1)</script>', 'new\nline\u2028sep', '<!-- c -->'];
  const builder = new GraphBuilder();
  const input = builder.add({ kind: 'Input', name: hostile[0], inputs: [], attrs: {}, shape: [null, 3] });
  let previous = input.id;
  for (const name of hostile.slice(1)) {
    previous = builder.add({ kind: 'Activation', name, inputs: [previous], attrs: { activation: { name: 'relu' } }, shape: [null, 3] }).id;
  }
  const g = builder.build('M"</script>`', [input.id], [previous]);
  const files = await makeBundle(g, new Map<string, HostTensor>());
  t.false(/<\/script|<!--/i.test(files.moduleJs));
  t.false(files.moduleJs.includes('\n' + 'line'));
  // The manifest rides in model.js as one escaped string literal; parsed, the names come back exactly.
  // (The module itself is evaluated in a real page by test/browser/bundle.test.ts.)
  const literals = [...files.moduleJs.matchAll(/"\{\\"format\\"(?:[^"\\]|\\.)*"/g)].map((m) => m[0]);
  t.is(literals.length, 1);
  t.is(literals[0], manifestLiteral(files.modelJson));
  const manifest = JSON.parse(JSON.parse(literals[0]));
  t.deepEqual(manifest.graph.nodes.map((n: { name: string }) => n.name), hostile);
  t.is(manifest.model, 'M"</script>`');
  // model.json's value without its indentation: the same JSON, smaller.
  t.deepEqual(JSON.parse(JSON.parse(literals[0])), JSON.parse(files.modelJson));
  t.is(manifestLiteral('{\n  "a": "</script>\u2028"\n}'), '"{\\"a\\":\\"\\u003c/script\\u003e\\u2028\\"}"');
});

// What the bundle's rewrites leave out (runtime/bundle/write.ts, treeShakingPlugin), read
// from esbuild's own account of which input files reached which output.
test.serial("Géron's bundle carries no training code, no model IO and no whole tfjs-core namespace; a CNN's carries its convolution ops", async (t) => {
  const inputsOf = async (name: string) => {
    const graph = exampleGraph(name);
    const folded = optimize({ graph, weights: randomizedWeights(graph) });
    const { metafile } = await makeBundle(folded.graph, folded.weights!);
    return new Set(Object.values(metafile.outputs).flatMap((o) => Object.keys(o.inputs)).map((path) => path.replace(/.*node_modules\//, '')));
  };
  const geron = await inputsOf('geron');
  const absent = [
    '@tensorflow/tfjs-core/dist/ops/dropout.js', // Dropout in training
    '@tensorflow/tfjs-core/dist/ops/moments.js', // BatchNormalization in training
    '@tensorflow/tfjs-core/dist/ops/fused/mat_mul.js', // Dense in training (custom gradient)
    '@tensorflow/tfjs-core/dist/ops/fused/conv2d.js',
    '@tensorflow/tfjs-core/dist/ops/conv2d.js', // a kind Géron's graph does not have
    '@tensorflow/tfjs-core/dist/ops/max_pool.js',
    'seedrandom/seedrandom.js',
    '@tensorflow/tfjs-core/dist/io/indexed_db.js', // model stores
    '@tensorflow/tfjs-core/dist/io/local_storage.js',
    '@tensorflow/tfjs-core/dist/ops/ragged_to_dense_util.js', // backend_util, whole
    '@tensorflow/tfjs-core/dist/ops/segment_util.js',
    'long/src/long.js',
    'runtime/random.ts', // the executor's random generator (Dropout in training)
  ];
  // tfjs-core's Node platform: read, but empty (model.js is for a page).
  t.deepEqual(Object.values((await makeBundle(optimized.graph, optimized.weights!)).metafile.outputs).flatMap((o) => Object.entries(o.inputs)).filter(([path, input]) => path.endsWith('platform_node.js') && input.bytesInOutput > 0).map(([path]) => path), []);
  t.deepEqual(absent.filter((file) => geron.has(file)), []);
  // A float bundle's model.js has no dequantization (write.ts quantizationRefused); a uint8 one has it.
  t.false(built.moduleJs.includes(' at channel '));
  // The safetensors reader without F64 and BF16 (write.ts safetensorsWithoutWideFloats): F64's range message is not in it.
  t.false(built.moduleJs.includes('beyond the float32 range'));
  t.true(built.moduleJs.includes('weights must be finite'));
  t.true((await makeBundle(optimized.graph, optimized.weights!, 'uint8')).moduleJs.includes(' at channel '));
  // No `.nn` argument converters (write.ts withoutConverters): neither their messages nor
  // the `expects` texts only the argument binder reads; the JSON checks stay (and refuse
  // an edited attribute in the page: test/browser/bundle.test.ts). No tensor formatter.
  t.false(built.moduleJs.includes('unknown activation'));
  t.false(built.moduleJs.includes('a positive integer or a pair [a, b] of positive integers'));
  t.true(built.moduleJs.includes('an integer in ['));
  t.false([...built.chunks.values()].some((chunk) => chunk.includes('  rank: ') || chunk.includes(', ..., ')));
  t.true([...built.chunks.values()].some((chunk) => chunk.includes('this bundle does not print values')));
  t.true(geron.has('@tensorflow/tfjs-core/dist/engine.js'));
  t.true(geron.has('@tensorflow/tfjs-backend-webgl/dist/kernels/_FusedMatMul.js'));
  const cnn = await inputsOf('tiny_resnet');
  t.true(cnn.has('@tensorflow/tfjs-backend-webgl/dist/kernels/FusedConv2D.js'));
  t.true(cnn.has('@tensorflow/tfjs-core/dist/ops/max_pool.js') || cnn.has('@tensorflow/tfjs-core/dist/ops/avg_pool.js') || cnn.has('@tensorflow/tfjs-core/dist/ops/mean.js'));
  // The WebGL convolution flags pinned (backends/webglFlags.ts): im2col + packed matrix
  // product, as tfjs runs by default; the experimental and the unpacked programs left out.
  t.true(cnn.has('@tensorflow/tfjs-backend-webgl/dist/im2col_packed_gpu.js'));
  t.deepEqual(['@tensorflow/tfjs-backend-webgl/dist/conv_packed_gpu.js', '@tensorflow/tfjs-backend-webgl/dist/conv_gpu.js'].filter((file) => cnn.has(file)), []);
  // CPU forwarding off (WEBGL_CPU_FORWARD pinned false): what a WebGL page fetches (the
  // WebGL chunk and what it imports) holds no tfjs-backend-cpu code; the CPU chunk still has it.
  const resnet = optimize({ graph: exampleGraph('tiny_resnet'), weights: randomizedWeights(exampleGraph('tiny_resnet')) });
  const outputs = (await makeBundle(resnet.graph, resnet.weights!)).metafile.outputs;
  const pageInputs = new Set<string>();
  const visited = new Set<string>();
  const visit = (out: string) => {
    visited.add(out);
    for (const input of Object.keys(outputs[out].inputs)) pageInputs.add(input.replace(/.*node_modules\//, ''));
    for (const { path, kind } of outputs[out].imports) if (kind === 'import-statement' && outputs[path] && !visited.has(path)) visit(path);
  };
  visit(Object.keys(outputs).find((out) => /webgl-\w+\.js$/.test(out))!);
  t.true(pageInputs.has('@tensorflow/tfjs-backend-webgl/dist/kernels/Cast.js'));
  t.deepEqual([...pageInputs].filter((file) => file.startsWith('@tensorflow/tfjs-backend-cpu/')), []);
  // WebGL's Cast without its complex64 branches (write.ts castWithoutComplex): no complex op or zeros.
  t.deepEqual(['@tensorflow/tfjs-core/dist/ops/complex.js', '@tensorflow/tfjs-core/dist/ops/zeros.js'].filter((file) => pageInputs.has(file)), []);
  t.true(cnn.has('@tensorflow/tfjs-backend-cpu/dist/kernels/Cast.js'));
});

// Two inputs, two outputs: `predictAll` gives every output (tensors in → tensors out,
// host data in → host data out); `predict`, which is for one input and one output, says
// so instead of answering with the first output.
const twoWay = graphOf(`model TwoWay {
  input a: [4]
  input b: [3]
  ha = a -> Dense(5, activation=relu)
  hb = b -> Dense(5) -> BatchNormalization
  sum = (ha, hb) -> Add
  score = sum -> Dense(2, activation=softmax)
  code = hb -> Dense(1)
  output score, code
}`);

test.serial('predictAll on a two-input, two-output bundle gives both outputs, tensors and host data alike, and frees what it made', async (t) => {
  const twoWeights = randomizedWeights(twoWay, 7);
  const folded = optimize({ graph: twoWay, weights: twoWeights });
  const dir = join(scratch, 'two-way');
  writeBundle(dir, await makeBundle(folded.graph, folded.weights!));
  const model = await loadBundle(dir);
  t.deepEqual(model.inputs.map((i) => i.name), ['a', 'b']);
  // Outputs are named by their layers, as in Keras.
  t.deepEqual(model.outputs.map((o) => o.name), ['dense_2', 'dense_3']);
  const a = { shape: [2, 4], data: Float32Array.from({ length: 8 }, (_, i) => Math.cos(i)) };
  const b = { shape: [2, 3], data: Float32Array.from({ length: 6 }, (_, i) => Math.sin(i + 1)) };
  const reference = new Model(twoWay, twoWeights, 'wasm');
  const expected = await reference.predictHost([a, b]);

  const host = await model.predictAll([a, b]);
  t.deepEqual(host.map((o) => o.shape), [[2, 2], [2, 1]]);
  t.true(hostMaxAbsDiff(host[0].data, expected[0].data) < 1e-5);
  t.true(hostMaxAbsDiff(host[1].data, expected[1].data) < 1e-5);

  const ta = model.tf.tensor(a.data, a.shape);
  const tb = model.tf.tensor(b.data, b.shape);
  const before = model.tf.memory().numTensors;
  const outs = await model.predictAll([ta, tb]);
  t.is(model.tf.memory().numTensors, before + 2, 'exactly the two outputs are left for the caller');
  t.true(hostMaxAbsDiff(await outs[1].data(), expected[1].data) < 1e-5);
  for (const o of outs) o.dispose();

  const refused = 'predict is for a model with one input and one output; this one has 2 inputs (a, b) and 2 outputs (dense_2, dense_3): use predictAll';
  await t.throwsAsync(model.predict(ta), { message: refused });
  await t.throwsAsync(model.predict(a.data, a.shape), { message: refused });
  t.is(model.tf.memory().numTensors, before, 'a refused predict creates no tensor');
  await t.throwsAsync(model.predictAll([a] as never), { message: 'predictAll takes an array of 2 inputs (a, b)' });
  await t.throwsAsync(model.predictAll([a, tb] as never), { message: 'predictAll takes tf tensors, or { data: Float32Array, shape } objects, not a mix' });
  ta.dispose();
  tb.dispose();
  model.dispose();
  reference.dispose();
});

test('WebGL\'s Cast loses its complex64 branches for a refusal, and the rewrite fails loudly if they move', (t) => {
  const path = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-webgl/package.json')), 'dist', 'kernels', 'Cast.js');
  const source = readFileSync(path, 'utf8');
  const out = castWithoutComplex(source, path);
  t.true(out.includes("if (dtype === 'complex64' || x.dtype === 'complex64') throw new Error('this bundle has no complex numbers');\n    if (!util.hasEncodingLoss(x.dtype, dtype)) {"));
  t.false(/\bcomplex\(|\breal\(|tf\.zeros/.test(out.replace(/\/\/# sourceMappingURL.*/, '')));
  // Everything else as it was: the other casts, the CPU path, int and bool.
  t.is(out.slice(out.indexOf('    if (!util.hasEncodingLoss')), source.slice(source.indexOf('    if (!util.hasEncodingLoss')));
  t.is(castWithoutComplex(source, 'other/kernels/Cast.js'), source);
  t.throws(() => castWithoutComplex(source.replace('// Casting from complex64', '// Casting from complex'), path), { message: `${path}: not the two complex64 branches before 'if (!util.hasEncodingLoss' it had; has tfjs-backend-webgl changed?` });
});

test('the safetensors reader loses its F64 and BF16 decoders in a bundle, and the rewrite fails loudly if they move', (t) => {
  const path = join(dirname(dirname(dirname(dirname(new URL(import.meta.url).pathname)))), 'src', 'formats', 'safetensors.ts');
  const source = readFileSync(path, 'utf8');
  const out = safetensorsWithoutWideFloats(source, path);
  const decode = out.slice(out.indexOf('function decodeTensor('), out.indexOf('function checkFinite('));
  t.true(decode.includes("case 'F32': {") && decode.includes("case 'F16': {"));
  t.true(decode.includes("    default:\n      throw new Error('a bundle reads F32 and F16 weights only');"));
  t.false(/getFloat64|bfloat16|'BF16'|'F64'/.test(decode));
  t.false(out.includes('beyond the float32 range'));
  // Nothing else changes: the header checks and the writer are as they were.
  t.is(out.slice(0, out.indexOf('function decodeTensor(')), source.slice(0, source.indexOf('function decodeTensor(')));
  t.is(out.slice(out.indexOf('// Writing')), source.slice(source.indexOf('// Writing')));
  t.throws(() => safetensorsWithoutWideFloats(source.replace("case 'BF16': {", "case 'BF16':  {"), path), { message: /: not one .* block; has the safetensors reader changed\?$/ });
});
