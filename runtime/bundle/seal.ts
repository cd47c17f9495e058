// model.js is sealed so that a reader can tell it is whole and belongs to its model.json.
// Its last line is a comment holding the SHA-256 of every byte before it:
//
//   ...minified module...\n// nnc-bundle sha256=<64 hex digits>\n
//
// A truncated or edited model.js loses or breaks that line. And model.js must embed
// model.json exactly (the manifest travels inside it as a base64 literal, write.ts), so
// the two cannot disagree unnoticed. Platform-neutral (WebCrypto): the CLI seals the
// model.js esbuild built, the playground the one it filled in (template.ts), and
// `nnc run DIR` checks both the same way.

import { NncError } from '../../src/diagnostics.js';
import { sha256Hex } from './files.js';

const SEAL = /\n\/\/ nnc-bundle sha256=([0-9a-f]{64})\n$/;

/** model.js with its seal line appended. */
export async function sealModule(code: string): Promise<string> {
  const body = code.endsWith('\n') ? code : `${code}\n`;
  return `${body}// nnc-bundle sha256=${await sha256Hex(body)}\n`;
}

/** Standard base64 (with padding) of `text`'s UTF-8 bytes, as Node's Buffer writes it. */
export function base64OfUtf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  const pieces: string[] = [];
  // 3-byte multiples, so that the pieces' base64 joins without padding in between.
  for (let start = 0; start < bytes.length; start += 3 * 8192) {
    pieces.push(btoa(String.fromCharCode(...bytes.subarray(start, start + 3 * 8192))));
  }
  return pieces.join('');
}

/** The manifest as model.js embeds it: a JSON string literal of its base64 (see write.ts). */
export function embeddedManifestLiteral(modelJson: string): string {
  return JSON.stringify(base64OfUtf8(modelJson));
}

/** Throws unless `moduleJs` is sealed, whole, and embeds exactly `modelJson`. */
export async function checkSealedModule(moduleJs: string, modelJson: string, what: string, manifestWhat: string): Promise<void> {
  const seal = SEAL.exec(moduleJs);
  if (!seal) throw new NncError(`${what} is not a complete nnc model.js: its last line should be '// nnc-bundle sha256=…' (truncated, edited, or built by an older nnc? rebuild the bundle with nnc build)`);
  const body = moduleJs.slice(0, seal.index + 1);
  const digest = await sha256Hex(body);
  if (digest !== seal[1]) throw new NncError(`${what} is corrupted: its SHA-256 is ${digest}, its seal says ${seal[1]} (truncated or edited; rebuild the bundle with nnc build)`);
  if (!body.includes(embeddedManifestLiteral(modelJson))) {
    throw new NncError(`${what} does not embed ${manifestWhat}: the page would run a different model than model.json describes (a bundle's files come from one nnc build; rebuild it)`);
  }
}
