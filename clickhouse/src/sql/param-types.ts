import { StoreError } from '../errors.ts';

/** Types a `{name:Type}` parameter may have: data, never a name (Identifier) the engine would splice into the statement. */
const SCALARS = new Set([
  'String', 'Bool', 'Boolean', 'UUID', 'Date', 'Date32', 'DateTime', 'IPv4', 'IPv6', 'Float32', 'Float64', 'BFloat16',
  ...[8, 16, 32, 64, 128, 256].flatMap((bits) => [`Int${bits}`, `UInt${bits}`]),
]);
/** Types of types. */
const WRAPPERS = new Set(['Nullable', 'Array', 'LowCardinality', 'Tuple', 'Map']);
/** Types with numbers (and DateTime64's time zone) as arguments. */
const NUMERIC_ARGS = new Set(['FixedString', 'Decimal', 'Decimal32', 'Decimal64', 'Decimal128', 'Decimal256', 'DateTime64']);

/**
 * Checks a parameter's declared type against a small grammar of data types. Anything else is
 * refused: `Identifier` first (the engine substitutes it as a table, database or column
 * name, after every check of the text), and any type this grammar does not know, so a name
 * type a later engine adds is refused too.
 */
export function checkParamType(name: string, type: string): void {
  const parser = new TypeParser(type);
  if (!parser.parse()) {
    throw new StoreError('sql_rejected', `Parameter ${name} has type ${type}: parameters must have data types (String, numbers, dates, Array(...), ...); Identifier and other name types are not allowed.`);
  }
}

class TypeParser {
  #at = 0;
  constructor(private readonly text: string) {}

  parse(): boolean {
    const ok = this.#type();
    this.#space();
    return ok && this.#at === this.text.length;
  }

  #type(): boolean {
    this.#space();
    const word = /^[A-Za-z][A-Za-z0-9]*/.exec(this.text.slice(this.#at))?.[0];
    if (!word) return false;
    this.#at += word.length;
    this.#space();
    const hasArgs = this.text[this.#at] === '(';
    if (SCALARS.has(word)) return !hasArgs || (word === 'DateTime' && this.#args(() => this.#quoted()));
    if (NUMERIC_ARGS.has(word)) return hasArgs && this.#args(() => this.#number() || this.#quoted());
    if (WRAPPERS.has(word)) return hasArgs && this.#args(() => this.#type());
    return false;
  }

  /** `(a, b, ...)` where each argument satisfies `one`. */
  #args(one: () => boolean): boolean {
    this.#at += 1;
    for (;;) {
      if (!one()) return false;
      this.#space();
      const c = this.text[this.#at];
      this.#at += 1;
      if (c === ')') return true;
      if (c !== ',') return false;
    }
  }

  #number(): boolean {
    this.#space();
    const n = /^[0-9]+/.exec(this.text.slice(this.#at))?.[0];
    if (n) this.#at += n.length;
    return n !== undefined;
  }

  /** A time zone: `'Europe/Paris'`. */
  #quoted(): boolean {
    this.#space();
    const q = /^'[A-Za-z0-9_/+-]*'/.exec(this.text.slice(this.#at))?.[0];
    if (q) this.#at += q.length;
    return q !== undefined;
  }

  #space(): void {
    while (this.text[this.#at] === ' ') this.#at += 1;
  }
}
