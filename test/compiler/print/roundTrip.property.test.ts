// Property: for random layer stacks over every layer of the language, with arguments
// drawn away from their defaults (pairs, axes, initializers with arguments,
// regularizers, names with quotes and backslashes, trainable=false), branches joined
// by Add or Concatenate, a second input and several outputs:
//   - printGraph's text checks back to the same graph and summary;
//   - printing that graph again gives the same text (the printer is stable), and the
//     printed text is already in fmt's canonical layout;
//   - formatSource is idempotent on the generated source and on the printed text, and
//     the formatted source checks to the same graph.
//
// FC_SEED=n and FC_RUNS=n override the seed and the number of runs.

import test from 'ava';
import fc from 'fast-check';
import { check } from '../../../compiler/check.js';
import { formatSource } from '../../../compiler/print/formatSource.js';
import { printGraph } from '../../../compiler/print/printGraph.js';
import { graphDifference } from '../../helpers/sameGraph.js';

const OPS = [
  'dense',
  'conv',
  'depthwise',
  'bn',
  'activation',
  'relu',
  'elu',
  'leaky',
  'softmax',
  'dropout',
  'flatten',
  'reshape',
  'rescaling',
  'padding',
  'pool',
  'global',
  'branch',
  'output',
  'input',
] as const;

interface Op {
  readonly op: (typeof OPS)[number];
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly flag: boolean;
  /** Give the layer an explicit name (index into NAMES) or not. */
  readonly name: number | null;
  readonly frozen: boolean;
}

const op: fc.Arbitrary<Op> = fc.record({
  op: fc.constantFrom(...OPS),
  a: fc.nat(99),
  b: fc.nat(99),
  c: fc.nat(99),
  flag: fc.boolean(),
  name: fc.option(fc.nat(7), { freq: 4 }),
  frozen: fc.boolean(),
});

const ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'tanh', 'softmax', 'softplus', 'swish', 'silu', 'gelu', 'leaky_relu', '"relu"', 'null'];
const INITIALIZERS = ['zeros', 'ones', 'constant(0.25)', 'he_normal', 'he_uniform(seed=7)', 'glorot_normal', 'lecun_uniform', 'random_normal(stddev=0.1)', 'random_uniform(-1, 1)', 'truncated_normal(mean=0.5)', 'variance_scaling(2.0, mode=fan_avg, distribution=uniform)', 'glorot_uniform()'];
const REGULARIZERS = ['null', 'l1', 'l2(0.001)', 'l1_l2(l1=0.01, l2=0.02)', 'l1_l2()'];
const CONSTRAINTS = ['null', 'max_norm(3)', 'non_neg', 'unit_norm(axis=1)'];
const NUMBERS = ['0.001', '1e-5', '0.1 + 0.2', '2.5e-7', '.5', '1 / 3', '0.99'];
/** Explicit names, each made unique by a suffix: some look automatic, some need escapes. */
const NAMES = ['dense', 'conv2d_7', 'my layer', 'quote"d', 'back\\slash', 'x', 'Dense', 'ünïcode'];

interface Program {
  readonly source: string;
}

function pick<T>(list: readonly T[], n: number): T {
  return list[n % list.length];
}

/** Interprets ops against the current shape, so every draw is a model (names aside: see below). */
function programOf(dims: readonly number[], ops: readonly Op[]): Program {
  const lines: string[] = [];
  let shape = [...dims];
  let current = 'x';
  let counter = 0;
  let inputs = 1;
  const outputs: string[] = [];
  const common = (o: Op) => {
    const extra: string[] = [];
    if (o.name !== null) extra.push(`name="${pick(NAMES, o.name).replace(/[\\"]/g, (ch) => `\\${ch}`)}_${counter}"`);
    if (o.frozen && o.a % 3 === 0) extra.push('trainable=false');
    return extra;
  };
  const call = (kind: string, args: string[], o: Op) => {
    const all = [...args, ...common(o)];
    return all.length === 0 && o.flag ? kind : `${kind}(${all.join(', ')})`;
  };
  const bind = (text: string, from = current) => {
    const name = `v${counter++}`;
    lines.push(from === current && counter % 2 === 0 ? `${name} = ${text}` : `${name} = ${from} -> ${text}`);
    current = name;
  };
  const image = () => shape.length === 3;
  const last = () => shape[shape.length - 1];
  const pair = (n: number, max: number) => (n % 3 === 0 ? `[${1 + (n % max)}, ${1 + ((n >> 2) % max)}]` : `${1 + (n % max)}`);
  const pairValue = (text: string): [number, number] => {
    const m = /^\[(\d+), (\d+)\]$/.exec(text);
    return m ? [Number(m[1]), Number(m[2])] : [Number(text), Number(text)];
  };

  const apply = (o: Op, keepShape: boolean) => {
    switch (o.op) {
      case 'dense': {
        const units = keepShape ? last() : 1 + (o.a % 6);
        const args = [`${units}`];
        if (o.b % 2 === 0) args.push(`activation=${pick(ACTIVATIONS, o.c)}`);
        if (o.b % 3 === 0) args.push(`use_bias=${o.flag}`);
        if (o.b % 5 === 0) args.push(`kernel_initializer=${pick(INITIALIZERS, o.c)}`);
        if (o.c % 4 === 0) args.push(`bias_regularizer=${pick(REGULARIZERS, o.a)}`, `kernel_constraint=${pick(CONSTRAINTS, o.b)}`);
        bind(call('Dense', args, o));
        shape[shape.length - 1] = units;
        return;
      }
      case 'conv':
      case 'depthwise': {
        if (!image()) return;
        const kernel = pair(o.a, 3);
        const [kh, kw] = pairValue(kernel);
        const same = keepShape || o.flag || shape[0] < kh * 2 || shape[1] < kw * 2;
        const strides = keepShape || o.b % 2 === 0 ? '1' : pair(o.b, 2);
        const [sh, sw] = pairValue(strides);
        const dilation = sh === 1 && sw === 1 && o.c % 3 === 0 && !same ? 2 : 1;
        const args = o.op === 'conv' ? [`${keepShape ? last() : 1 + (o.c % 4)}`, kernel] : [kernel];
        if (strides !== '1') args.push(`strides=${strides}`);
        args.push(`padding=${same ? 'same' : o.c % 2 ? 'valid' : '"valid"'}`);
        if (dilation > 1) args.push(`dilation_rate=[${dilation}, ${dilation}]`);
        const multiplier = o.op === 'depthwise' && !keepShape ? 1 + (o.c % 2) : 1;
        if (o.op === 'depthwise' && multiplier > 1) args.push(`depth_multiplier=${multiplier}`);
        if (o.a % 4 === 0) args.push(`${o.op === 'conv' ? 'kernel' : 'depthwise'}_regularizer=${pick(REGULARIZERS, o.b)}`);
        if (o.b % 5 === 0) args.push(`activation=${pick(ACTIVATIONS, o.a)}`);
        bind(call(o.op === 'conv' ? 'Conv2D' : 'DepthwiseConv2D', args, o));
        const out = (size: number, k: number, s: number) => (same ? Math.ceil(size / s) : Math.floor((size - (k - 1) * dilation - 1) / s) + 1);
        shape = [out(shape[0], kh, sh), out(shape[1], kw, sw), o.op === 'conv' ? Number(args[0]) : shape[2] * multiplier];
        return;
      }
      case 'bn': {
        const rank = shape.length;
        const args: string[] = [];
        const axis = o.a % 4;
        if (axis === 1) args.push(`axis=${-1 - (o.b % rank)}`);
        if (axis === 2) args.push(`axis=${1 + (o.b % rank)}`);
        if (axis === 3 && rank >= 2) args.push(`axis=[${1 + (o.b % rank)}, -${1 + ((o.b + 1) % rank)}]`.replace(/\[(\d+), -(\d+)\]/, (m, p, n) => (Number(p) === rank + 1 - Number(n) ? `[${p}]` : m)));
        if (o.c % 3 === 0) args.push(`momentum=${pick(NUMBERS, o.b)}`, `epsilon=${pick(NUMBERS, o.c)}`);
        if (o.c % 4 === 1) args.push(`center=${o.flag}`, `scale=${!o.flag}`);
        if (o.c % 5 === 2) args.push(`gamma_initializer=${pick(INITIALIZERS, o.a)}`, `beta_regularizer=${pick(REGULARIZERS, o.b)}`, `gamma_constraint=${pick(CONSTRAINTS, o.c)}`);
        bind(call('BatchNormalization', args, o));
        return;
      }
      case 'activation':
        bind(call('Activation', [pick(ACTIVATIONS, o.a).replace('null', 'linear')], o));
        return;
      case 'relu': {
        const args = [];
        if (o.a % 2) args.push(`max_value=${o.b % 3 === 0 ? 'null' : 1 + (o.b % 6)}`);
        if (o.b % 2) args.push(`negative_slope=${pick(NUMBERS, o.c)}`);
        if (o.c % 2) args.push(`threshold=${o.c % 4 === 1 ? '0' : '0.5'}`);
        bind(call('ReLU', args, o));
        return;
      }
      case 'elu':
        bind(call('ELU', o.a % 2 ? [`alpha=${o.flag ? '-' : ''}${pick(NUMBERS, o.b)}`] : [], o));
        return;
      case 'leaky':
        bind(call('LeakyReLU', o.a % 2 ? [`negative_slope=${pick(NUMBERS, o.b)}`] : [], o));
        return;
      case 'softmax':
        bind(call('Softmax', o.a % 2 ? [`axis=${o.flag ? -1 - (o.b % shape.length) : 1 + (o.b % shape.length)}`] : [], o));
        return;
      case 'dropout':
        bind(call('Dropout', [pick(['0', '0.25', '.5', '0.1 + 0.2'], o.a), ...(o.b % 2 ? [`seed=${o.c}`] : [])], o));
        return;
      case 'flatten':
        if (keepShape) return;
        bind(call('Flatten', [], o));
        shape = [shape.reduce((x, y) => x * y, 1)];
        return;
      case 'reshape': {
        if (keepShape) return;
        const size = shape.reduce((x, y) => x * y, 1);
        const divisor = [1, 2, 3, 4].filter((d) => size % d === 0).at(o.a % [1, 2, 3, 4].filter((d) => size % d === 0).length)!;
        bind(call('Reshape', [o.flag ? `[${divisor}, -1]` : `[-1, ${divisor}]`], o));
        shape = o.flag ? [divisor, size / divisor] : [size / divisor, divisor];
        return;
      }
      case 'rescaling':
        bind(call('Rescaling', [o.a % 2 ? '1 / 255' : pick(NUMBERS, o.b), ...(o.c % 2 ? [`offset=${o.flag ? '-' : ''}${pick(NUMBERS, o.c)}`] : [])], o));
        return;
      case 'padding': {
        if (!image() || keepShape) return;
        const forms = ['', '1', '[1, 2]', '[[0, 1], [2, 0]]', '[[1, 1], [1, 1]]', 'padding=2'];
        const form = pick(forms, o.a);
        bind(call('ZeroPadding2D', form === '' ? [] : [form], o));
        const [[t, b], [l, r]] = form === '' || form === '[[1, 1], [1, 1]]' ? [[1, 1], [1, 1]] : form === '1' ? [[1, 1], [1, 1]] : form === '[1, 2]' ? [[1, 1], [2, 2]] : form === 'padding=2' ? [[2, 2], [2, 2]] : [[0, 1], [2, 0]];
        shape = [shape[0] + t + b, shape[1] + l + r, shape[2]];
        return;
      }
      case 'pool': {
        if (!image() || keepShape || shape[0] < 3 || shape[1] < 3) return;
        const kind = o.flag ? 'MaxPooling2D' : pick(['AveragePooling2D', 'MaxPool2D', 'AvgPool2D'], o.c);
        const size = pick(['', '2', '[2, 3]', 'pool_size=3', '[3, 3]'], o.a);
        const [ph, pw] = size === '' ? [2, 2] : pairValue(size.replace('pool_size=', ''));
        if (shape[0] < ph || shape[1] < pw) return;
        const strides = pick(['', 'strides=1', 'strides=[1, 2]', 'strides=null'], o.b);
        const same = o.c % 2 === 0;
        const args = [size, strides, same ? 'padding=same' : ''].filter((s) => s !== '');
        bind(call(kind, args, o));
        const [sh, sw] = strides === '' || strides === 'strides=null' ? [ph, pw] : strides === 'strides=1' ? [1, 1] : [1, 2];
        const out = (n: number, k: number, s: number) => (same ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1);
        shape = [out(shape[0], ph, sh), out(shape[1], pw, sw), shape[2]];
        return;
      }
      case 'global':
        if (!image() || keepShape) return;
        bind(call('GlobalAveragePooling2D', [], o));
        shape = [shape[2]];
        return;
      case 'branch': {
        if (keepShape) return;
        const start = current;
        const steps: Op[] = [
          { ...o, op: 'dense', a: o.b, name: null },
          { ...o, op: pick(['bn', 'relu', 'conv', 'dropout', 'activation'] as const, o.c), name: null },
        ];
        for (const inner of steps) apply(inner, true);
        if (current === start) return;
        if (o.a % 2) bind(call('Add', [], o), `(${start}, ${current})`);
        else {
          bind(call('Concatenate', o.b % 2 ? [`axis=${o.flag ? -1 : shape.length}`] : [], o), `(${start}, ${current}, ${start})`);
          shape[shape.length - 1] *= 3;
        }
        return;
      }
      case 'output':
        if (current !== 'x' && !outputs.includes(current)) outputs.push(current);
        return;
      case 'input': {
        if (inputs > 1 || keepShape) return;
        inputs++;
        // A second input of the current shape, added to the current value.
        const from = current;
        lines.push(`input second: [${shape.join(', ')}]`);
        current = 'second';
        bind(call('Add', [], o), `(${from}, second)`);
        return;
      }
    }
  };
  for (const o of ops) apply(o, false);
  if (current === 'x') bind('BatchNormalization');
  const all = [...outputs.filter((n) => n !== current), current];
  const output = all.length > 1 || ops.length % 2 === 0 ? `\n  output ${all.join(', ')}` : '';
  return { source: `model Random {\n  input x: [${dims.join(', ')}]\n  ${lines.join('\n  ')}${output}\n}\n` };
}

const program: fc.Arbitrary<Program> = fc.oneof(
  fc.tuple(fc.integer({ min: 4, max: 9 }), fc.integer({ min: 4, max: 9 }), fc.integer({ min: 1, max: 3 }), fc.array(op, { minLength: 1, maxLength: 12 })).map(([h, w, c, ops]) => programOf([h, w, c], ops)),
  fc.tuple(fc.integer({ min: 2, max: 8 }), fc.array(op, { minLength: 1, maxLength: 12 })).map(([n, ops]) => programOf([n], ops)),
  fc.tuple(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 2, max: 5 }), fc.array(op, { minLength: 1, maxLength: 12 })).map(([n, m, ops]) => programOf([n, m], ops)),
);

const seed = process.env.FC_SEED === undefined ? 20261204 : Number(process.env.FC_SEED);
const numRuns = process.env.FC_RUNS === undefined ? 300 : Number(process.env.FC_RUNS);

test('random stacks: print → check gives the same graph; printing and formatting are stable', (t) => {
  let checked = 0;
  fc.assert(
    fc.property(program, ({ source }) => {
      const result = check(source, 'random.nn');
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      // An explicit name may take a later layer's automatic name: such draws are not models.
      fc.pre(!errors.some((d) => d.message.startsWith('layer name ')));
      if (errors.length > 0) throw new Error(`the generator made a bad model:\n${source}\n${errors.map((d) => d.message).join('\n')}`);
      checked++;
      const graph = result.models.get('Random')!;
      const printed = printGraph(graph);
      const back = check(printed, 'printed.nn');
      const backGraph = back.models.get('Random');
      if (!backGraph) throw new Error(`the printed text does not check:\n${printed}\n${back.diagnostics.map((d) => d.message).join('\n')}`);
      const difference = graphDifference(backGraph, graph);
      if (difference) throw new Error(`${difference}\n--- source\n${source}\n--- printed\n${printed}`);
      if (printGraph(backGraph) !== printed) throw new Error(`printing is not stable:\n${printed}`);
      if (formatSource(printed).text !== printed) throw new Error(`printed text is not in canonical form:\n${printed}`);
      for (const text of [source, printed]) {
        const once = formatSource(text).text;
        if (once === null) throw new Error(`unexpected syntax errors in\n${text}`);
        if (formatSource(once).text !== once) throw new Error(`formatting is not idempotent on\n${text}`);
        const formattedGraph = check(once).models.get('Random');
        const formattedDifference = formattedGraph ? graphDifference(formattedGraph, graph) : 'no graph';
        if (formattedDifference) throw new Error(`formatting changed the graph: ${formattedDifference}\n${text}`);
      }
      return true;
    }),
    { seed, numRuns },
  );
  // Most draws must be models, or the property says little.
  t.true(checked >= numRuns * 0.8, `${checked} of ${numRuns} draws were models`);
});
