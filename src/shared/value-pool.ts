/**
 * Hash-consing for configuration read from the event log. JSON parsing gives every event its own copy of every
 * string and object: with 10,000 flags the read model held ~31,000 copies of "targetingKey", 26,000 of "off",
 * and as many `{ "variant": "on" }` serves and empty lists (10 MiB of duplicate strings alone, measured). A pool
 * replaces each string, and each small object or array, by an equal one met before, so it is held once.
 *
 * Replacement happens in place: a value is only ever replaced by an equal one, which nothing can observe but
 * identity, and stored configuration is never changed in place (the same rule targeting-sharing.ts relies on).
 * A frozen object or array is left as it is. Long strings and large parts are not pooled (their keys would cost
 * what they save); their small parts are. The pool forgets everything past `maxEntries`: that only stops sharing.
 */
export class ValuePool {
  private readonly strings = new Map<string, string>();
  private readonly parts = new Map<string, object>();

  constructor(private readonly maxEntries = 250_000) {}

  get size(): number {
    return this.strings.size + this.parts.size;
  }

  /** `value` itself, its parts replaced by pooled equal ones; a pooled equal value if it is small and known. */
  share<T>(value: T): T {
    if (this.size > this.maxEntries) this.clear();
    return this.visit(value) as T;
  }

  /** Shares the values of `record` in place, not `record` itself: for a record that is unique anyway. */
  shareValues(record: Record<string, unknown>): void {
    if (this.size > this.maxEntries) this.clear();
    if (Object.isFrozen(record)) return;
    for (const name of Object.keys(record)) record[name] = this.visit(record[name]);
  }

  clear(): void {
    this.strings.clear();
    this.parts.clear();
  }

  /** The key of what `visit` returned last (undefined when too large to pool): set there, read by its caller. */
  private key: string | undefined;

  /**
   * The pooled value, its key left in `this.key`. Keys are unambiguous (strings and names carry their length,
   * numbers cannot hold the separators), so equal keys mean equal JSON values. They are built by joining, not by
   * `+`: V8 concatenation makes cons strings that would keep every piece of every key alive.
   */
  private visit(value: unknown): unknown {
    switch (typeof value) {
      case 'string': {
        if (value.length > MAX_STRING_LENGTH) return this.tooLarge(value);
        let pooled = this.strings.get(value);
        if (pooled === undefined) this.strings.set(value, (pooled = value));
        this.key = `${value.length}"${value}`;
        return pooled;
      }
      case 'number':
        this.key = `${value}`;
        return value;
      case 'boolean':
        this.key = value ? 't' : 'f';
        return value;
      case 'object':
        if (value === null) {
          this.key = 'n';
          return value;
        }
        return Array.isArray(value) ? this.visitArray(value) : this.visitRecord(value as Record<string, unknown>);
      default:
        return this.tooLarge(value);
    }
  }

  private visitArray(array: unknown[]): unknown {
    const writable = !Object.isFrozen(array);
    const tokens: string[] = ['['];
    let small = true;
    let length = 0;
    for (let i = 0; i < array.length; i++) {
      const shared = this.visit(array[i]);
      if (writable) array[i] = shared; // unconditionally: `!==` cannot tell two equal strings apart
      const key = this.key;
      if (key === undefined || (length += key.length + 1) > MAX_KEY_LENGTH) small = false;
      else if (small) tokens.push(key, ',');
    }
    return small ? this.pooled(array, tokens, ']') : this.tooLarge(array);
  }

  private visitRecord(record: Record<string, unknown>): unknown {
    const writable = !Object.isFrozen(record);
    const tokens: string[] = ['{'];
    let small = true;
    let length = 0;
    for (const name of Object.keys(record)) {
      const shared = this.visit(record[name]);
      if (writable) record[name] = shared;
      const key = this.key;
      if (key === undefined || (length += key.length + name.length + 4) > MAX_KEY_LENGTH) small = false;
      else if (small) tokens.push(`${name.length}"${name}`, key, ',');
    }
    return small ? this.pooled(record, tokens, '}') : this.tooLarge(record);
  }

  private pooled(value: object, tokens: string[], close: string): unknown {
    tokens.push(close);
    const key = tokens.join('');
    this.key = key;
    const known = this.parts.get(key);
    if (known !== undefined) return known;
    this.parts.set(key, value);
    return value;
  }

  private tooLarge(value: unknown): unknown {
    this.key = undefined;
    return value;
  }
}

/** Identifiers, attribute names, operators, country codes, variant names: what recurs. */
const MAX_STRING_LENGTH = 64;
/** A condition with a short list, a serve, a split: what recurs. A 200-value list does not, or rarely. */
const MAX_KEY_LENGTH = 256;
