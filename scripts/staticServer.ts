// A static file server on 127.0.0.1 only: the playground (npm run playground) and the
// browser tests serve pages with it.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.css': 'text/css', '.svg': 'image/svg+xml', '.wasm': 'application/wasm' };

export interface StaticServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves files under `root` (and any extra in-memory pages) on 127.0.0.1, with Content-Length. */
export async function serve(root: string, pages: Record<string, string> = {}, port = 0): Promise<StaticServer> {
  const server: Server = createServer((request, response) => {
    const requested = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    const path = requested.endsWith('/') ? `${requested}index.html` : requested;
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
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${address.port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
