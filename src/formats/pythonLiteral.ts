// The subset of Python literal syntax a .npy header uses: dicts, tuples, lists,
// strings, integers, True, False and None — what NumPy's `safe_eval` accepts there.
// Browser-safe. Nesting is bounded so a hostile header cannot overflow the stack.

export type PyValue =
  | { readonly kind: 'str'; readonly value: string }
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'none' }
  | { readonly kind: 'tuple' | 'list'; readonly items: readonly PyValue[] }
  | { readonly kind: 'dict'; readonly entries: ReadonlyMap<string, PyValue> };

const MAX_DEPTH = 16;

/** Parse one literal filling all of `text` (surrounding whitespace allowed); throws a message string. */
export function parsePythonLiteral(text: string): PyValue {
  const parser = new LiteralParser(text);
  const value = parser.value(0);
  parser.skipSpace();
  if (parser.position < text.length) throw parser.error('unexpected text after the literal');
  return value;
}

/** How a value reads in a message: its Python spelling, roughly. */
export function pythonText(value: PyValue): string {
  switch (value.kind) {
    case 'str':
      return `'${value.value}'`;
    case 'int':
      return String(value.value);
    case 'bool':
      return value.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'tuple':
      return value.items.length === 1 ? `(${pythonText(value.items[0])},)` : `(${value.items.map(pythonText).join(', ')})`;
    case 'list':
      return `[${value.items.map(pythonText).join(', ')}]`;
    case 'dict':
      return `{${[...value.entries].map(([k, v]) => `'${k}': ${pythonText(v)}`).join(', ')}}`;
  }
}

/** Thrown by the parser: a message without the file name, which the caller adds. */
export class LiteralError extends Error {}

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', '0': '\0' };

class LiteralParser {
  position = 0;
  constructor(readonly text: string) {}

  error(message: string): LiteralError {
    return new LiteralError(`${message} at character ${this.position}`);
  }

  skipSpace(): void {
    while (this.position < this.text.length && ' \t\r\n'.includes(this.text[this.position])) this.position++;
  }

  value(depth: number): PyValue {
    if (depth > MAX_DEPTH) throw this.error(`literal nested more than ${MAX_DEPTH} deep`);
    this.skipSpace();
    const c = this.text[this.position];
    if (c === undefined) throw this.error('unexpected end of header');
    if (c === '{') return this.dict(depth);
    if (c === '(') return this.sequence('tuple', ')', depth);
    if (c === '[') return this.sequence('list', ']', depth);
    if (c === "'" || c === '"') return { kind: 'str', value: this.string(c) };
    if (c === '-' || (c >= '0' && c <= '9')) return { kind: 'int', value: this.integer() };
    const word = /^[A-Za-z_]\w*/.exec(this.text.slice(this.position, this.position + 32))?.[0];
    if (word === 'True' || word === 'False' || word === 'None') {
      this.position += word.length;
      return word === 'None' ? { kind: 'none' } : { kind: 'bool', value: word === 'True' };
    }
    throw this.error(`unexpected '${c}'`);
  }

  private expect(c: string): void {
    this.skipSpace();
    if (this.text[this.position] !== c) throw this.error(`expected '${c}'`);
    this.position++;
  }

  /** After an item: a comma (then maybe the closer) or the closer. Returns true when closed. */
  private closeOrComma(close: string): boolean {
    this.skipSpace();
    const c = this.text[this.position];
    if (c === close) {
      this.position++;
      return true;
    }
    if (c !== ',') throw this.error(`expected ',' or '${close}'`);
    this.position++;
    this.skipSpace();
    if (this.text[this.position] === close) {
      this.position++;
      return true;
    }
    return false;
  }

  private dict(depth: number): PyValue {
    this.position++; // {
    const entries = new Map<string, PyValue>();
    this.skipSpace();
    if (this.text[this.position] === '}') {
      this.position++;
      return { kind: 'dict', entries };
    }
    for (;;) {
      const key = this.value(depth + 1);
      if (key.kind !== 'str') throw this.error('dict keys must be strings');
      if (entries.has(key.value)) throw this.error(`key '${key.value}' appears twice`);
      this.expect(':');
      entries.set(key.value, this.value(depth + 1));
      if (this.closeOrComma('}')) return { kind: 'dict', entries };
    }
  }

  private sequence(kind: 'tuple' | 'list', close: string, depth: number): PyValue {
    this.position++; // ( or [
    const items: PyValue[] = [];
    this.skipSpace();
    if (this.text[this.position] === close) {
      this.position++;
      return { kind, items };
    }
    for (;;) {
      items.push(this.value(depth + 1));
      // `(3)` is the integer 3 in Python, not a tuple; `(3,)` is the tuple.
      const sawComma = (this.skipSpace(), this.text[this.position] === ',');
      if (this.closeOrComma(close)) {
        if (kind === 'tuple' && items.length === 1 && !sawComma) return items[0];
        return { kind, items };
      }
    }
  }

  private string(quote: string): string {
    const start = this.position++;
    let out = '';
    for (;;) {
      const c = this.text[this.position++];
      if (c === undefined || c === '\n') throw new LiteralError(`unterminated string starting at character ${start}`);
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.position++];
      if (e !== undefined && Object.hasOwn(ESCAPES, e)) out += ESCAPES[e];
      else if (e === 'x' || e === 'u') {
        const digits = this.text.slice(this.position, this.position + (e === 'x' ? 2 : 4));
        if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== (e === 'x' ? 2 : 4)) throw this.error('bad escape in string');
        out += String.fromCharCode(parseInt(digits, 16));
        this.position += digits.length;
      } else throw this.error('bad escape in string');
    }
  }

  private integer(): bigint {
    const match = /^-?\d{1,40}L?/.exec(this.text.slice(this.position, this.position + 42));
    if (match === null) throw this.error('expected an integer');
    this.position += match[0].length;
    const c = this.text[this.position];
    if (c !== undefined && /[\w.]/.test(c)) throw this.error('only integers are expected here');
    return BigInt(match[0].replace('L', ''));
  }
}
