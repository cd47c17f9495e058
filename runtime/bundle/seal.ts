// model.js is sealed so that a reader can tell it is whole and belongs to its model.json.
// Its last line is a comment holding the SHA-256 of every byte before it:
//
//   ...minified module...\n// nnc-bundle sha256=<64 hex digits>\n
//
// A truncated or edited model.js loses or breaks that line. And model.js must embed
// model.json exactly (the manifest travels inside it as a string literal, write.ts), so
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

/**
 * The manifest as model.js embeds it: model.json without its indentation (the same JSON
 * value; 0.17 KB less gzip for mobilenet_block's), as a JSON string literal (also a
 * JavaScript one) with every character outside printable ASCII, and `<` and `>`, written
 * as `\uXXXX`. So whatever the layer names hold, it cannot end the string, form
 * `</script>` or `<!--`, or break a line, and it compresses as text (base64 did not: 1.35
 * KB gzip for Géron's manifest against 0.75 KB). `modelJson` must be valid JSON.
 */
export function embeddedManifestLiteral(modelJson: string): string {
  return JSON.stringify(JSON.stringify(JSON.parse(modelJson))).replace(/[<>\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
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
