// Real Chromium for WebGL tests: a static server on 127.0.0.1 and headless Chromium
// (Debian's package) driven by playwright-core with the flags in DEVELOPERS.md.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { type StaticServer, serve } from '../../scripts/staticServer.js';

export const CHROMIUM_PATH = process.env.NNC_CHROMIUM ?? '/usr/bin/chromium';

/** Software WebGL2 with float32 textures (SwiftShader), and no network chatter. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Chromium with CHROMIUM_FLAGS and any `extraFlags` (e.g. `--disable-webgl`). */
export async function launchChromium(extraFlags: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}; the WebGL tests need a real browser.\n` +
        `Install it with: sudo apt-get update && sudo apt-get install -y chromium\n` +
        `(or set NNC_CHROMIUM to a Chromium binary). See DEVELOPERS.md.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_FLAGS, ...extraFlags] });
}

export { type StaticServer, serve };

/**
 * A page script for a test of the bundle's WebGL kernels (for `pageResult`): tfjs-core
 * and its WebGL backend, shapes as uniforms as in a bundle, the test's `imports` (import
 * lines), then `body`, which sets `window.result`; an error thrown sets `{ error }`.
 */
export const webglTestPage = (imports: string, body: string): string => `
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
${imports}
(async () => { try {
  tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', true);
  await tf.setBackend('webgl');
${body}
} catch (e) { window.result = { error: String(e && e.stack || e) }; } })();
`;

/**
 * Runs a page script in Chromium and returns what it leaves in `window.result`: the
 * script (ES module source, resolved from the repository) is bundled by esbuild for the
 * browser, served from a scratch folder on 127.0.0.1, and everything is closed and
 * removed afterwards, whatever happens.
 */
export async function pageResult<R>(pageSource: string, prefix: string): Promise<R> {
  const { build } = await import('esbuild');
  const root = mkdtempSync(join(tmpdir(), prefix));
  let browser: Browser | undefined;
  let server: StaticServer | undefined;
  try {
    const bundled = await build({ stdin: { contents: pageSource, resolveDir: process.cwd(), loader: 'js' }, bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent', define: { 'process.env.NODE_ENV': '"production"' } });
    writeFileSync(join(root, 'page.js'), bundled.outputFiles[0].text);
    writeFileSync(join(root, 'index.html'), `<!doctype html><meta charset="utf-8"><script type="module" src="./page.js"></script>`);
    browser = await launchChromium();
    server = await serve(root, {});
    const tab = await browser.newPage();
    await tab.goto(`${server.url}/index.html`);
    await tab.waitForFunction('window.result !== undefined', undefined, { timeout: 300_000 });
    return await tab.evaluate(() => (window as unknown as { result: R }).result);
  } finally {
    await browser?.close();
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  }
}
