// A benchmark page in headless Chromium (SwiftShader) fed with prepared models: the page
// entry is bundled by esbuild for the browser, served from a scratch folder on 127.0.0.1
// with the models (bench/preparedModels.ts's models.json + models.bin), and its global
// function `run` is called with `arg` once the page has defined it; its console lines
// pass through to stderr. Used by the inference section (bench/inferencePage.ts) and the
// WebGL study (bench/webglStudyPage.ts).

import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, serve } from '../test/helpers/browser.js';
import type { PreparedModel } from './inferenceCells.js';
import { encodePreparedModels } from './preparedModels.js';

/** What the page's `run(arg)` returned, and the Chromium version it ran in. */
export async function runModelsPage<R>(entry: string, models: readonly PreparedModel[], run: string, arg: unknown, what: string): Promise<{ result: R; chromium: string }> {
  const root = mkdtempSync(join(tmpdir(), 'nnc-bench-'));
  try {
    const bundled = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', target: 'es2020', write: false, logLevel: 'silent', define: { 'process.env.NODE_ENV': '"production"' } });
    const { json, bytes } = encodePreparedModels(models);
    writeFileSync(join(root, 'page.js'), bundled.outputFiles[0].text);
    writeFileSync(join(root, 'models.json'), json);
    writeFileSync(join(root, 'models.bin'), bytes);
    const server = await serve(root, { '/index.html': '<!doctype html><meta charset="utf-8"><script type="module" src="page.js"></script>' });
    try {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        page.on('console', (message) => process.stderr.write(`  ${message.text()}\n`));
        const errors: string[] = [];
        page.on('pageerror', (error) => errors.push(error.message));
        await page.goto(`${server.url}/index.html`);
        await page.waitForFunction(`typeof ${run} === "function"`, undefined, { timeout: 60_000 }).catch(() => {
          throw new Error(`${what} did not load${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`);
        });
        const result = (await page.evaluate(([name, a]) => (globalThis as unknown as Record<string, (a: unknown) => Promise<unknown>>)[name as string](a), [run, arg] as const)) as R;
        return { result, chromium: browser.version() };
      } finally {
        await browser.close();
      }
    } finally {
      await server.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
