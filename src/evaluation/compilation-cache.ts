/**
 * A bounded least-recently-used map for compiled pieces of configuration (predicates, splits) that many flags
 * and environments share: staging mirrors production, and the same condition appears in many flags, so one
 * compilation can serve them all instead of one each (a compiled regex alone is ~15 KB, a 200-value set ~5 KB).
 *
 * Each entry has a weight (an estimate of the bytes it holds); past `maxWeight` in all, the least recently used
 * entries are dropped. Dropping only stops sharing: compiled flags keep what they hold. So the cache pins at
 * most `maxWeight` of compilations that no flag uses any more, whatever the configuration does over time.
 */
export class CompilationCache<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly weight: number }>();
  private totalWeight = 0;

  constructor(readonly maxWeight: number) {
    if (!(maxWeight > 0)) throw new Error(`maxWeight must be positive, not ${maxWeight}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get weight(): number {
    return this.totalWeight;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    // Map iterates in insertion order: re-inserting makes this entry the most recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value`; one heavier than `maxWeight` on its own is not kept. */
  set(key: string, value: V, weight: number): void {
    this.delete(key);
    this.entries.set(key, { value, weight });
    this.totalWeight += weight;
    for (const oldest of this.entries.keys()) {
      if (this.totalWeight <= this.maxWeight) break;
      this.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
    this.totalWeight = 0;
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.totalWeight -= entry.weight;
  }
}
