// Real Chromium for WebGL tests: a static server on 127.0.0.1 and headless Chromium
// (Debian's package) driven by playwright-core with the flags in DEVELOPERS.md.

import { existsSync } from 'node:fs';
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

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}; the WebGL tests need a real browser.\n` +
        `Install it with: sudo apt-get update && sudo apt-get install -y chromium\n` +
        `(or set NNC_CHROMIUM to a Chromium binary). See DEVELOPERS.md.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
}

export { type StaticServer, serve } from '../../scripts/staticServer.js';
