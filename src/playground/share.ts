// The source in the URL: UTF-8, deflated (fflate), base64url. A link holds the model.

import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';

export function encodeSource(text: string): string {
  const bytes = deflateSync(strToU8(text), { level: 9 });
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The source a hash holds, or null when it holds none (a hand-edited or truncated link). */
export function decodeSource(hash: string): string | null {
  try {
    const binary = atob(hash.replace(/-/g, '+').replace(/_/g, '/'));
    return strFromU8(inflateSync(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
  } catch {
    return null;
  }
}
