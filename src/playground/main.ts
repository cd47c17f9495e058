// The playground page: an editor for `.nn` source with the CLI's diagnostics as inline
// markers, the Keras summary, the graph before and after optimization, and a Run on
// WebGL. Everything runs in the page: the compiler is the platform-neutral core, the
// model runs on the same runtime a bundle uses. The source lives in the URL's hash,
// so a link shares it; nothing the page does can lose the text being edited.

import { EditorView, basicSetup } from 'codemirror';
import { keymap } from '@codemirror/view';
import { type CheckResult } from '../../compiler/check.js';
import { graphSvg } from '../../compiler/draw/graphSvg.js';
import { fusionReport } from '../../compiler/passes/report.js';
import { formatSummary, summarize } from '../../compiler/summary.js';
import { formatDiagnostics } from '../diagnostics.js';
import { checkSource, optimizeGraph } from '../driver/index.js';
import type { Graph } from '../ir/types.js';
import { diagnosticsLinter, nnHighlighting } from './editor.js';
import { bundleZip } from './bundle.js';
import { openFiles, type OpenedModel } from './open.js';
import { runModel, type RunResult } from './run.js';
import { decodeSource, encodeSource } from './share.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

interface Analysis {
  readonly text: string;
  readonly checked: CheckResult;
  readonly graph: Graph | null;
}

/** What the page shows and runs; `imported` keeps the weights of an opened Keras or tfjs file while its text is unchanged. */
const state: { analysis: Analysis | null; imported: OpenedModel | null; lastRun: RunResult | null } = { analysis: null, imported: null, lastRun: null };

function setStatus(text: string, isError = false): void {
  const status = $('status');
  status.textContent = text;
  status.classList.toggle('error', isError);
}

/** Runs `work`, showing any failure in the status line instead of breaking the page. */
async function guarded(what: string, work: () => unknown): Promise<void> {
  try {
    await work();
  } catch (e) {
    setStatus(`${what}: ${e instanceof Error ? e.message : String(e)}`, true);
  }
}

function analyze(text: string): Analysis {
  if (state.analysis?.text === text) return state.analysis;
  const checked = checkSource(text, 'model.nn');
  const name = checked.modelNames.find((n) => checked.models.has(n));
  const analysis = { text, checked, graph: name === undefined ? null : checked.models.get(name)! };
  state.analysis = analysis;
  return analysis;
}

function showAnalysis(analysis: Analysis): void {
  $('diagnostics').textContent = formatDiagnostics(analysis.checked.diagnostics);
  const graph = analysis.graph;
  if (!graph) {
    $('summary-text').textContent = analysis.checked.modelNames.length === 0 ? 'No model yet: write `model NAME { ... }`.' : 'The model has errors (see the diagnostics).';
    $('graph-before').replaceChildren();
    $('graph-after').replaceChildren();
    return;
  }
  $('summary-text').textContent = formatSummary(summarize(graph));
  const result = optimizeGraph(graph);
  const report = fusionReport(graph, result);
  $('graph-before').innerHTML = graphSvg(graph, { report, role: 'original', title: `${graph.name}: ${report.before.ops} ops` });
  $('graph-after').innerHTML = graphSvg(result.graph, { report, role: 'optimized', title: `optimized: ${report.after.ops} ops` });
  for (const box of document.querySelectorAll<SVGGElement>('#graph g[data-kind]')) {
    box.setAttribute('tabindex', '0');
    box.setAttribute('role', 'button');
    const show = () => ($('fate').textContent = box.querySelector('title')?.textContent ?? '');
    box.addEventListener('click', show);
    box.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        show();
      }
    });
  }
  const drawable = isImageModel(graph);
  $('draw-tools').hidden = !drawable;
  $('canvas').hidden = !drawable;
}

/** Fashion-MNIST-shaped input: one 28×28 image (with or without a channel axis). */
function isImageModel(graph: Graph): boolean {
  if (graph.inputs.length !== 1) return false;
  const shape = graph.nodes[graph.inputs[0]].shape.slice(1);
  return shape[0] === 28 && shape[1] === 28 && (shape.length === 2 || (shape.length === 3 && shape[2] === 1));
}

let pending = 0;
function scheduleAnalysis(text: string): void {
  clearTimeout(pending);
  pending = window.setTimeout(() => {
    void guarded('check', () => showAnalysis(analyze(text)));
    history.replaceState(null, '', `#${encodeSource(text)}`);
  }, 150);
}

const editor = new EditorView({
  parent: $('editor'),
  doc: '',
  extensions: [
    basicSetup,
    EditorView.lineWrapping,
    nnHighlighting,
    diagnosticsLinter((text) => analyze(text).checked.diagnostics),
    keymap.of([{ key: 'Mod-Enter', run: () => (void run('random'), true) }]),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) scheduleAnalysis(update.state.doc.toString());
    }),
  ],
});

function setSource(text: string): void {
  editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } });
  scheduleAnalysis(text);
}

async function run(input: 'random' | 'drawing'): Promise<void> {
  await guarded('run', async () => {
    const analysis = analyze(editor.state.doc.toString());
    if (!analysis.graph) throw new Error('fix the errors first: there is no model to run');
    selectTab('run');
    const weights = state.imported && state.imported.text === analysis.text ? state.imported.weights : null;
    setStatus('running on WebGL…');
    const result = await runModel(analysis.graph, weights, input === 'drawing' ? readDrawing() : null);
    state.lastRun = result;
    $('run-output').textContent = result.report;
    setStatus(`ran on ${result.backend}`);
  });
}

// ---- tabs
const TABS = ['summary', 'graph', 'run'] as const;
function selectTab(name: (typeof TABS)[number]): void {
  for (const tab of TABS) {
    $(`tab-${tab}`).setAttribute('aria-selected', String(tab === name));
    $(tab).hidden = tab !== name;
  }
}
for (const tab of TABS) $(`tab-${tab}`).addEventListener('click', () => selectTab(tab));

// ---- drawing: pointer, a dropped image, or the keyboard (arrows move the brush, space paints)
const canvas = $<HTMLCanvasElement>('canvas');
const pen = canvas.getContext('2d')!;
const brush = { x: 14, y: 14, down: false };
function clearDrawing(): void {
  pen.fillStyle = '#000';
  pen.fillRect(0, 0, canvas.width, canvas.height);
}
function paint(x: number, y: number): void {
  pen.fillStyle = '#fff';
  pen.beginPath();
  pen.arc(x, y, 14, 0, Math.PI * 2);
  pen.fill();
}
clearDrawing();
canvas.addEventListener('pointerdown', (e) => ((brush.down = true), paint(e.offsetX, e.offsetY)));
canvas.addEventListener('pointermove', (e) => brush.down && paint(e.offsetX, e.offsetY));
window.addEventListener('pointerup', () => (brush.down = false));
canvas.addEventListener('keydown', (e) => {
  const step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
  if (step) {
    e.preventDefault();
    brush.x = Math.min(27, Math.max(0, brush.x + step[0]));
    brush.y = Math.min(27, Math.max(0, brush.y + step[1]));
  }
  if (e.key === ' ' || step) paint(brush.x * 10 + 5, brush.y * 10 + 5);
});
canvas.addEventListener('dragover', (e) => e.preventDefault());
canvas.addEventListener('drop', (e) => {
  e.preventDefault();
  const file = e.dataTransfer?.files[0];
  if (!file) return;
  void guarded('drop', async () => {
    const image = await createImageBitmap(file);
    clearDrawing();
    pen.drawImage(image, 0, 0, canvas.width, canvas.height);
    await run('drawing');
  });
});
/** The drawing as 28×28 values in [0, 1] (what Fashion-MNIST models take: pixel / 255). */
function readDrawing(): Float32Array {
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  const context = small.getContext('2d')!;
  context.drawImage(canvas, 0, 0, 28, 28);
  const { data } = context.getImageData(0, 0, 28, 28);
  return Float32Array.from({ length: 784 }, (_, i) => (data[i * 4] + data[i * 4 + 1] + data[i * 4 + 2]) / (3 * 255));
}
$('run-random').addEventListener('click', () => void run('random'));
$('run-drawing').addEventListener('click', () => void run('drawing'));
$('clear-drawing').addEventListener('click', clearDrawing);

// ---- files
function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
$('download-nn').addEventListener('click', () => {
  const graph = analyze(editor.state.doc.toString()).graph;
  download(`${graph?.name ?? 'model'}.nn`, editor.state.doc.toString(), 'text/plain');
});
$('download-bundle').addEventListener('click', () =>
  void guarded('bundle', async () => {
    const analysis = analyze(editor.state.doc.toString());
    if (!analysis.graph) throw new Error('fix the errors first: there is no model to bundle');
    const weights = state.imported && state.imported.text === analysis.text ? state.imported.weights : null;
    setStatus('building the bundle…');
    const zip = await bundleZip(analysis.graph, weights);
    download(zip.name, zip.bytes as Uint8Array<ArrayBuffer>, 'application/zip');
    setStatus(`downloaded ${zip.name}: ${zip.files.join(', ')} (${weights ? 'the opened file’s weights' : 'initial weights, seed 0'}, optimized)`);
  }),
);
$<HTMLInputElement>('open').addEventListener('change', (e) => {
  const files = [...((e.target as HTMLInputElement).files ?? [])];
  void guarded('open', async () => {
    const opened = await openFiles(files);
    state.imported = opened.weights ? opened : null;
    setSource(opened.text);
    setStatus(opened.note);
  });
});
$('share').addEventListener('click', () =>
  void guarded('share', async () => {
    await navigator.clipboard.writeText(location.href);
    setStatus('link copied');
  }),
);

// ---- examples and the first source
const examples = $<HTMLSelectElement>('examples');
void guarded('examples', async () => {
  const list = (await (await fetch('examples.json')).json()) as { name: string; text: string }[];
  examples.replaceChildren(...list.map((e) => Object.assign(document.createElement('option'), { value: e.text, textContent: e.name })));
  examples.addEventListener('change', () => setSource(examples.value));
  const shared = location.hash.length > 1 ? decodeSource(location.hash.slice(1)) : null;
  setSource(shared ?? list[0]?.text ?? '');
});
window.addEventListener('error', (e) => setStatus(`error: ${e.message}`, true));
window.addEventListener('unhandledrejection', (e) => setStatus(`error: ${String(e.reason)}`, true));

/** For tests and the curious: the page's state. */
(window as unknown as { nncPlayground: unknown }).nncPlayground = { state, editor, setSource };
