// bench/speedup.svg, written by hand (no charting dependency): two panels of bars, one
// bar per model × batch × backend —
//   top:    a/c, nnc's optimized model against tfjs-layers' predict (higher is better),
//   bottom: c/d, nnc's optimized model against the floor (lower is better) —
// on a log scale, bars drawn from 1.0 (so a ratio below 1 points down), with the
// targets of issue 7 as dashed lines. Cells not timed are marked "n/a".

export interface ChartBar {
  readonly model: string;
  readonly batch: number;
  readonly backend: string;
  /** null when the cell was not timed. */
  readonly value: number | null;
  /** The spread, drawn as a whisker (p25–p75). */
  readonly low?: number;
  readonly high?: number;
}

export interface ChartTarget {
  readonly value: number;
  readonly label: string;
}

export interface ChartPanel {
  readonly title: string;
  readonly bars: readonly ChartBar[];
  readonly targets: readonly ChartTarget[];
  /** Tick values on the log axis; the axis spans their range (widened to fit every bar). */
  readonly ticks: readonly number[];
}

const BACKEND_COLORS: Record<string, string> = { wasm: '#4477aa', cpu: '#cc6677', webgl: '#228833' };
const WIDTH = 1200;
const PANEL_HEIGHT = 300;
const MARGIN = { left: 60, right: 110, top: 40, bottom: 70 };

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fixed = (n: number) => (Math.round(n * 10) / 10).toString();

function panel(p: ChartPanel, top: number, backends: readonly string[]): string {
  const groups: { model: string; batch: number }[] = [];
  for (const bar of p.bars) if (!groups.some((g) => g.model === bar.model && g.batch === bar.batch)) groups.push({ model: bar.model, batch: bar.batch });
  const values = p.bars.map((b) => b.value).filter((v): v is number => v !== null && v > 0);
  const low = Math.min(...p.ticks, ...values, ...p.targets.map((t) => t.value)) * 0.95;
  const high = Math.max(...p.ticks, ...values, ...p.targets.map((t) => t.value)) * 1.05;
  const plotTop = top + MARGIN.top;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const y = (v: number) => plotTop + plotHeight * (1 - (Math.log(v) - Math.log(low)) / (Math.log(high) - Math.log(low)));
  const groupWidth = plotWidth / Math.max(1, groups.length);
  const barWidth = Math.min(22, (groupWidth * 0.8) / backends.length);
  const out: string[] = [];
  out.push(`<text x="${MARGIN.left}" y="${top + 22}" font-size="15" font-weight="bold">${escapeXml(p.title)}</text>`);
  for (const tick of p.ticks) {
    out.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${fixed(y(tick))}" y2="${fixed(y(tick))}" stroke="#ddd"/>`);
    out.push(`<text x="${MARGIN.left - 6}" y="${fixed(y(tick) + 4)}" font-size="11" text-anchor="end">${tick}</text>`);
  }
  out.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${fixed(y(1))}" y2="${fixed(y(1))}" stroke="#333"/>`);
  groups.forEach((g, gi) => {
    const x0 = MARGIN.left + gi * groupWidth + (groupWidth - barWidth * backends.length) / 2;
    backends.forEach((backend, bi) => {
      const bar = p.bars.find((b) => b.model === g.model && b.batch === g.batch && b.backend === backend);
      const x = x0 + bi * barWidth;
      if (!bar) return;
      if (bar.value === null || !(bar.value > 0)) {
        out.push(`<text x="${fixed(x + barWidth / 2)}" y="${fixed(y(1) - 4)}" font-size="9" text-anchor="middle" fill="#999">n/a</text>`);
        return;
      }
      const y1 = y(Math.max(bar.value, low));
      const base = y(1);
      out.push(
        `<rect x="${fixed(x + 1)}" y="${fixed(Math.min(y1, base))}" width="${fixed(barWidth - 2)}" height="${fixed(Math.max(1, Math.abs(base - y1)))}" fill="${BACKEND_COLORS[backend] ?? '#777'}">` +
          `<title>${escapeXml(`${g.model}, batch ${g.batch}, ${backend}: ${bar.value.toFixed(2)}`)}</title></rect>`,
      );
      if (bar.low !== undefined && bar.high !== undefined) {
        const cx = fixed(x + barWidth / 2);
        out.push(`<line x1="${cx}" x2="${cx}" y1="${fixed(y(Math.max(bar.low, low)))}" y2="${fixed(y(Math.min(bar.high, high)))}" stroke="#222" stroke-width="1"/>`);
      }
      const labelY = bar.value >= 1 ? Math.min(y1, bar.high !== undefined ? y(Math.min(bar.high, high)) : y1) - 3 : Math.max(y1, bar.low !== undefined ? y(Math.max(bar.low, low)) : y1) + 10;
      out.push(`<text x="${fixed(x + barWidth / 2)}" y="${fixed(labelY)}" font-size="8" text-anchor="middle">${bar.value.toFixed(2)}</text>`);
    });
    const cx = MARGIN.left + (gi + 0.5) * groupWidth;
    const labelTop = plotTop + plotHeight + 14;
    out.push(`<text x="${fixed(cx)}" y="${fixed(labelTop)}" font-size="10" text-anchor="middle">batch ${g.batch}</text>`);
    if (gi === 0 || groups[gi - 1].model !== g.model) {
      const span = groups.filter((h) => h.model === g.model).length;
      out.push(`<text x="${fixed(MARGIN.left + (gi + span / 2) * groupWidth)}" y="${fixed(labelTop + 16)}" font-size="11" font-weight="bold" text-anchor="middle">${escapeXml(g.model)}</text>`);
      if (gi > 0) out.push(`<line x1="${fixed(MARGIN.left + gi * groupWidth)}" x2="${fixed(MARGIN.left + gi * groupWidth)}" y1="${plotTop}" y2="${fixed(labelTop + 20)}" stroke="#bbb"/>`);
    }
  });
  for (const target of p.targets) {
    out.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${fixed(y(target.value))}" y2="${fixed(y(target.value))}" stroke="#d62728" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${WIDTH - MARGIN.right + 6}" y="${fixed(y(target.value) + 4)}" font-size="10" fill="#d62728">${escapeXml(target.label)}</text>`);
  }
  return out.join('\n');
}

export function speedupChart(panels: readonly ChartPanel[], caption: string): string {
  const backends = Object.keys(BACKEND_COLORS).filter((b) => panels.some((p) => p.bars.some((bar) => bar.backend === b)));
  const legendTop = panels.length * PANEL_HEIGHT + 10;
  const height = legendTop + 50;
  const legend = backends.map((b, i) => `<rect x="${MARGIN.left + i * 110}" y="${legendTop}" width="14" height="14" fill="${BACKEND_COLORS[b]}"/><text x="${MARGIN.left + i * 110 + 20}" y="${legendTop + 12}" font-size="12">${b}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    ...panels.map((p, i) => panel(p, i * PANEL_HEIGHT, backends)),
    ...legend,
    `<text x="${MARGIN.left}" y="${legendTop + 36}" font-size="11" fill="#555">${escapeXml(caption)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
