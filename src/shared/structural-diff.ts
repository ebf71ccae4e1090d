/** One difference between two JSON documents, at a readable path such as `environments.production.rules[id=beta].serve`. */
export interface DiffEntry {
  readonly path: string;
  readonly op: 'added' | 'removed' | 'changed';
  readonly before?: unknown;
  readonly after?: unknown;
}

/**
 * A structural diff meant for people reading a flag's history. Objects are compared key by key (key order does
 * not matter). Arrays of objects that all carry a distinct string `id` (rules) are matched by id, so inserting a
 * rule reports one added rule rather than every later rule changed; a change of their order (which decides
 * evaluation) is its own entry at `<path>(order)`. Other arrays of objects are compared by index, and arrays of
 * plain values (tags, condition values, target units) as a whole. Pure: no I/O, inputs untouched.
 */
export function structuralDiff(before: unknown, after: unknown): DiffEntry[] {
  const entries: DiffEntry[] = [];
  walk(before, after, '', entries);
  return entries;
}

function walk(before: unknown, after: unknown, path: string, out: DiffEntry[]): void {
  if (isObject(before) && isObject(after)) {
    for (const key of Object.keys(before)) {
      const at = join(path, key);
      if (!Object.hasOwn(after, key)) out.push({ path: at, op: 'removed', before: before[key] });
      else walk(before[key], after[key], at, out);
    }
    for (const key of Object.keys(after)) {
      if (!Object.hasOwn(before, key)) out.push({ path: join(path, key), op: 'added', after: after[key] });
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const beforeIds = idsOf(before);
    const afterIds = idsOf(after);
    if (beforeIds && afterIds) return walkById(before, after, beforeIds, afterIds, path, out);
    if ([...before, ...after].every(isObject)) {
      const length = Math.max(before.length, after.length);
      for (let i = 0; i < length; i++) {
        const at = `${path}[${i}]`;
        if (i >= after.length) out.push({ path: at, op: 'removed', before: before[i] });
        else if (i >= before.length) out.push({ path: at, op: 'added', after: after[i] });
        else walk(before[i], after[i], at, out);
      }
      return;
    }
  }
  if (!equal(before, after)) out.push({ path: path || '(root)', op: 'changed', before, after });
}

function walkById(before: unknown[], after: unknown[], beforeIds: string[], afterIds: string[], path: string, out: DiffEntry[]): void {
  const afterById = new Map(afterIds.map((id, i) => [id, after[i]]));
  const beforeById = new Map(beforeIds.map((id, i) => [id, before[i]]));
  beforeIds.forEach((id, i) => {
    const at = `${path}[id=${id}]`;
    if (!afterById.has(id)) out.push({ path: at, op: 'removed', before: before[i] });
    else walk(before[i], afterById.get(id), at, out);
  });
  afterIds.forEach((id, i) => {
    if (!beforeById.has(id)) out.push({ path: `${path}[id=${id}]`, op: 'added', after: after[i] });
  });
  const kept = (ids: string[], other: Map<string, unknown>): string[] => ids.filter((id) => other.has(id));
  const beforeOrder = kept(beforeIds, afterById);
  const afterOrder = kept(afterIds, beforeById);
  if (!equal(beforeOrder, afterOrder)) out.push({ path: `${path}(order)`, op: 'changed', before: beforeOrder, after: afterOrder });
}

/** The ids of an array whose elements are all objects with distinct string ids; otherwise undefined. */
function idsOf(array: unknown[]): string[] | undefined {
  if (array.length === 0) return [];
  const ids = array.map((element) => (isObject(element) && typeof element['id'] === 'string' ? element['id'] : undefined));
  if (ids.some((id) => id === undefined)) return undefined;
  return new Set(ids).size === ids.length ? (ids as string[]) : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `a.b` for plain keys, `a["v1.0"]` for keys a dot path would misread. */
function join(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => equal(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && equal(a[k], b[k]));
  }
  return false;
}
