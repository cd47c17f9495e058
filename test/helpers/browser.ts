// Real Chromium for WebGL tests: a static server on 127.0.0.1 and headless Chromium
// (Debian's package) driven by playwright-core with the flags in DEVELOPERS.md.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

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

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' };

export interface StaticServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves files under `root` (and any extra in-memory pages) on 127.0.0.1, with Content-Length. */
export async function serve(root: string, pages: Record<string, string> = {}): Promise<StaticServer> {
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    if (Object.hasOwn(pages, path)) {
      const body = Buffer.from(pages[path]);
      response.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'text/html', 'content-length': body.length });
      response.end(body);
      return;
    }
    const file = normalize(join(root, path));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404);
      response.end();
      return;
    }
    const body = readFileSync(file);
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': body.length });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
