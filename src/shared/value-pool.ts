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
    return this.visit(value).value as T;
  }

  /** Shares the values of `record` in place, not `record` itself: for a record that is unique anyway. */
  shareValues(record: Record<string, unknown>): void {
    if (this.size > this.maxEntries) this.clear();
    if (Object.isFrozen(record)) return;
    for (const name of Object.keys(record)) record[name] = this.visit(record[name]).value;
  }

  clear(): void {
    this.strings.clear();
    this.parts.clear();
  }

  /**
   * The pooled value and its key (equal keys, equal JSON values), undefined when too large. Keys are built by
   * joining, not by `+`: V8 concatenation makes cons strings that would keep every piece of every key alive.
   */
  private visit(value: unknown): { value: unknown; key: string | undefined } {
    if (typeof value === 'string') {
      if (value.length > MAX_STRING_LENGTH) return { value, key: undefined };
      let pooled = this.strings.get(value);
      if (pooled === undefined) this.strings.set(value, (pooled = value));
      return { value: pooled, key: JSON.stringify(pooled) };
    }
    if (typeof value === 'number' || typeof value === 'boolean' || value === null) return { value, key: String(value) };
    if (typeof value !== 'object') return { value, key: undefined };
    const writable = !Object.isFrozen(value);
    const tokens: string[] = [];
    let length = 0;
    let small = true;
    if (Array.isArray(value)) {
      tokens.push('[');
      for (let i = 0; i < value.length; i++) {
        const part = this.visit(value[i]);
        if (writable) value[i] = part.value; // unconditionally: `!==` cannot tell two equal strings apart
        if (part.key === undefined || (length += part.key.length + 1) > MAX_KEY_LENGTH) small = false;
        else if (small) tokens.push(i === 0 ? '' : ',', part.key);
      }
      tokens.push(']');
    } else {
      const record = value as Record<string, unknown>;
      tokens.push('{');
      for (const name of Object.keys(record)) {
        const part = this.visit(record[name]);
        if (writable) record[name] = part.value;
        if (part.key === undefined || (length += part.key.length + name.length + 4) > MAX_KEY_LENGTH) small = false;
        else if (small) tokens.push(tokens.length === 1 ? '' : ',', JSON.stringify(name), ':', part.key);
      }
      tokens.push('}');
    }
    if (!small) return { value, key: undefined };
    const key = tokens.join('');
    const pooled = this.parts.get(key);
    if (pooled !== undefined) return { value: pooled, key };
    this.parts.set(key, value);
    return { value, key };
  }
}

/** Identifiers, attribute names, operators, country codes, variant names: what recurs. */
const MAX_STRING_LENGTH = 64;
/** A condition with a short list, a serve, a split: what recurs. A 200-value list does not, or rarely. */
const MAX_KEY_LENGTH = 256;
