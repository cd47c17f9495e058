// Bundles edited on disk for the loader's refusals.

import type { ExecutionContext } from 'ava';
import { cpSync } from 'node:fs';
import { readBundle } from '../../runtime/bundle/node.js';

/** The message of the NncError `readBundle` throws for a copy of the bundle `good` in `dir`, edited by `edit`; any other outcome fails the test. */
export async function editedBundleError(t: ExecutionContext, good: string, dir: string, edit: (dir: string) => void): Promise<string | undefined> {
  cpSync(good, dir, { recursive: true });
  edit(dir);
  const error = await t.throwsAsync(readBundle(dir));
  t.is(error?.name, 'NncError');
  return error?.message;
}
