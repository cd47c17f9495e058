import test from 'ava';
import { graphSvg } from '../../../compiler/draw/graphSvg.js';
import { fusionReport } from '../../../compiler/passes/report.js';
import { optimizeGraph } from '../../../src/driver/index.js';
import { graphOf } from '../../helpers/check.js';
import { exampleGraph } from '../../helpers/models.js';

interface Drawn {
  readonly kind: string;
  readonly name: string;
  readonly className: string;
  readonly tooltip: string;
  readonly rect: { x: number; y: number; width: number; height: number };
}

/** The boxes of a picture, read back from its SVG text. */
function boxes(svg: string): Drawn[] {
  const out: Drawn[] = [];
  const group = /<g class="([^"]+)" data-name="([^"]*)" data-kind="([^"]+)"><title>([^<]*)<\/title>\n<rect x="([\d.-]+)" y="([\d.-]+)" width="([\d.]+)" height="([\d.]+)"/g;
  for (const m of svg.matchAll(group)) {
    out.push({ className: m[1], name: m[2], kind: m[3], tooltip: m[4], rect: { x: +m[5], y: +m[6], width: +m[7], height: +m[8] } });
  }
  return out;
}

const overlaps = (a: Drawn['rect'], b: Drawn['rect']) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

test("Géron's model: 7 op boxes before folding, 4 after, each BN's fate in its tooltip", (t) => {
  const graph = exampleGraph('geron');
  const result = optimizeGraph(graph);
  const report = fusionReport(graph, result);
  const before = boxes(graphSvg(graph, { report, role: 'original' }));
  const after = boxes(graphSvg(result.graph, { report, role: 'optimized' }));
  t.is(before.filter((b) => b.className.startsWith('op')).length, 7);
  t.is(after.filter((b) => b.className.startsWith('op')).length, 4);
  t.is(before.filter((b) => b.className === 'input').length, 1);
  const bn = before.find((b) => b.name === 'batch_normalization_1')!;
  t.is(bn.className, 'op folded-away');
  t.is(bn.tooltip, "BatchNormalization &#39;batch_normalization_1&#39; → [None, 300]\nfolded into the weights of &#39;dense_1&#39; after it (W&#39; = diag(s)·W, b&#39; = b + Wᵀ·t)\n· bias of &#39;dense&#39; kept: &#39;dense&#39; applies relu after adding it\n· not into &#39;dense&#39;: it applies relu before the BN");
  const dense1 = after.find((b) => b.name === 'dense_1')!;
  t.is(dense1.className, 'op absorbed');
  t.is(dense1.tooltip, 'Dense &#39;dense_1&#39; → [None, 100]\nholds the folded batch_normalization_1');
});

test('a branching graph is laid out with no two boxes overlapping, one edge per input, producers above consumers', (t) => {
  const graph = exampleGraph('tiny_resnet');
  const svg = graphSvg(graph);
  const drawn = boxes(svg);
  t.is(drawn.length, graph.nodes.length);
  for (let i = 0; i < drawn.length; i++) for (let j = i + 1; j < drawn.length; j++) t.false(overlaps(drawn[i].rect, drawn[j].rect), `${drawn[i].name} / ${drawn[j].name}`);
  t.is((svg.match(/<path class="edge"/g) ?? []).length, graph.nodes.reduce((n, node) => n + node.inputs.length, 0));
  const top = new Map(drawn.map((b) => [b.name, b.rect.y]));
  for (const node of graph.nodes) for (const input of node.inputs) t.true(top.get(graph.nodes[input].name)! < top.get(node.name)!, node.name);
});

test('names from the source cannot break the SVG: quotes, angle brackets and ampersands are escaped', (t) => {
  const svg = graphSvg(graphOf('model M { input x: [4]\n Dense(2, name="a<b>&\\"c\'") }'));
  t.true(svg.includes('data-name="a&#60;b&#62;&#38;&#34;c&#39;"'));
  t.false(/<b>/.test(svg));
});
