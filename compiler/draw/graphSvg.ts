// A picture of a graph as SVG: one box per layer with its kind, name and output shape,
// laid out top to bottom by dagre (a maintained layered-graph layout). Given the
// fusion report of the optimization that made or will change the graph, a
// BatchNormalization carries its fate (folded into which layer, or why it was kept)
// as a tooltip, is drawn dashed when it disappears, and a layer that absorbed one is
// marked. Platform-neutral: `nnc graph` writes the text to a file, the playground
// puts it in the page.

import dagre from '@dagrejs/dagre';
import { formatShape } from '../../src/ir/shape.js';
import type { Graph, Node } from '../../src/ir/types.js';
import type { FusionReport } from '../passes/report.js';

export interface GraphSvgOptions {
  /** The report of the optimization from or to this graph. */
  readonly report?: FusionReport;
  /** `original`: BNs that the report folds or converts are drawn as going away; `optimized`: layers that absorbed one are marked. */
  readonly role?: 'original' | 'optimized';
  /** A caption above the graph. */
  readonly title?: string;
}

const FONT = 12;
/** Width of one character of the monospace font at FONT px (DejaVu Sans Mono, Menlo: 0.6 em). */
const CHAR = FONT * 0.6;
const LINE = FONT + 4;
const PAD = 8;

interface Box {
  readonly node: Node;
  readonly lines: readonly string[];
  readonly className: string;
  readonly tooltip: string;
  readonly width: number;
  readonly height: number;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The kind with what sets this layer apart: a fused activation, a folded BN. */
function kindLine(node: Node): string {
  if (node.kind === 'Input') return 'Input';
  const attrs = node.attrs as { activation?: { name: string } };
  const activation = attrs.activation && attrs.activation.name !== 'linear' ? ` + ${attrs.activation.name}` : '';
  return `${node.kind}${activation}`;
}

function boxOf(node: Node, options: GraphSvgOptions): Box {
  const lines = [kindLine(node), node.name, formatShape(node.shape)];
  const report = options.report;
  const notes: string[] = [];
  let className = node.kind === 'Input' ? 'input' : 'op';
  if (report && node.kind === 'BatchNormalization') {
    const fate = report.batchNorms.find((b) => b.layer === node.name);
    if (fate) {
      notes.push(fate.detail, ...fate.reasons.map((r) => `· ${r}`));
      if (options.role !== 'optimized' && fate.outcome !== 'kept') className += fate.outcome === 'folded' ? ' folded-away' : ' converted';
    }
  }
  if (report && options.role === 'optimized') {
    const absorbed = report.batchNorms.filter((b) => b.outcome === 'folded' && b.into === node.name).map((b) => b.layer);
    if (absorbed.length > 0) {
      className += ' absorbed';
      lines.push(`⊕ ${absorbed.join(', ')}`);
      notes.push(`holds the folded ${absorbed.join(', ')}`);
    }
  }
  const tooltip = [`${node.kind} '${node.name}' → ${formatShape(node.shape)}`, ...notes].join('\n');
  const width = Math.max(...lines.map((l) => [...l].length)) * CHAR + 2 * PAD;
  return { node, lines, className, tooltip, width, height: lines.length * LINE + 2 * PAD - 4 };
}

export function graphSvg(graph: Graph, options: GraphSvgOptions = {}): string {
  const layout = new dagre.graphlib.Graph();
  layout.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 28, marginx: 12, marginy: options.title ? 36 : 12 });
  layout.setDefaultEdgeLabel(() => ({}));
  const boxes = graph.nodes.map((node) => boxOf(node, options));
  for (const box of boxes) layout.setNode(String(box.node.id), { width: box.width, height: box.height });
  for (const node of graph.nodes) for (const input of node.inputs) layout.setEdge(String(input), String(node.id));
  dagre.layout(layout);

  const laidOut = layout.graph();
  const width = Math.max(laidOut.width ?? 0, options.title ? [...options.title].length * (FONT + 2) * 0.6 + 24 : 0);
  const height = laidOut.height ?? 0;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="nnc-graph" width="${Math.ceil(width)}" height="${Math.ceil(height)}" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="${FONT}">`,
    '<style>.op rect{fill:#f4f6fb;stroke:#44546a}.input rect{fill:#e8f3e8;stroke:#3b7a3b}.folded-away rect{fill:#fff;stroke-dasharray:5 3;stroke:#a33}.converted rect{fill:#fff7e6;stroke:#b7791f}.absorbed rect{fill:#eef7ff;stroke:#1f5fa8;stroke-width:2}.kind{font-weight:bold}path{fill:none;stroke:#667;marker-end:url(#arrow)}</style>',
    '<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="8" markerHeight="8" orient="auto"><path d="M0,0 L8,4 L0,8 z" style="fill:#667;stroke:none"/></marker></defs>',
  ];
  if (options.title) parts.push(`<text x="12" y="22" font-size="${FONT + 2}" class="kind">${escapeXml(options.title)}</text>`);
  for (const edge of layout.edges()) {
    const points: readonly { x: number; y: number }[] = layout.edge(edge).points ?? [];
    parts.push(`<path class="edge" d="${points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')}"/>`);
  }
  for (const box of boxes) {
    const { x, y } = layout.node(String(box.node.id));
    const left = x - box.width / 2;
    const top = y - box.height / 2;
    parts.push(`<g class="${box.className}" data-name="${escapeXml(box.node.name)}" data-kind="${box.node.kind}"><title>${escapeXml(box.tooltip)}</title>`);
    parts.push(`<rect x="${left.toFixed(1)}" y="${top.toFixed(1)}" width="${box.width.toFixed(1)}" height="${box.height.toFixed(1)}" rx="4"/>`);
    box.lines.forEach((line, i) => {
      parts.push(`<text x="${(left + PAD).toFixed(1)}" y="${(top + PAD + FONT - 2 + i * LINE).toFixed(1)}"${i === 0 ? ' class="kind"' : ''}>${escapeXml(line)}</text>`);
    });
    parts.push('</g>');
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
