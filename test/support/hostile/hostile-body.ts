import fc from 'fast-check';
import {
  PROTOTYPE_KEYS,
  RAW_INVALID,
  RAW_NUMBERS,
  deepNesting,
  defineOwn,
  hostileDate,
  hostileJson,
  hostileString,
  type Labelled,
} from './hostile-values.ts';

/** What goes on the wire: a JSON value, raw text (JSON.stringify cannot write duplicate keys or 1e400), or raw bytes. */
export type Body = { readonly kind: 'json'; readonly value: unknown } | { readonly kind: 'text'; readonly text: string } | { readonly kind: 'bytes'; readonly bytes: Uint8Array };

export interface HostileBody {
  /** What was done to the valid body, e.g. `lone surrogate at #/rules/0/id`; failures group by its kind. */
  readonly label: string;
  readonly body: Body;
}

type Path = readonly (string | number)[];

/** One change to a valid body; applied at the node the path index picks (modulo the number of nodes). */
type Mutation =
  | { readonly kind: 'replace'; readonly with: Labelled<unknown> }
  | { readonly kind: 'date'; readonly with: Labelled<string> }
  | { readonly kind: 'add-key'; readonly key: string; readonly with: Labelled<unknown> }
  | { readonly kind: 'escaped-key'; readonly key: string; readonly with: Labelled<unknown> }
  | { readonly kind: 'delete' }
  | { readonly kind: 'raw'; readonly with: Labelled<string> }
  | { readonly kind: 'duplicate-key'; readonly with: Labelled<unknown> }
  | { readonly kind: 'whole'; readonly with: Labelled<(json: string) => Body> };

const SPLICE = '__fuzz_raw_splice__';
const DUPLICATE = '__fuzz_duplicate_key__';
const ESCAPED = '__fuzz_escaped_key__';

const rawText: fc.Arbitrary<Labelled<string>> = fc.oneof(
  fc.constantFrom(...RAW_NUMBERS).map((value) => ({ label: 'absurd raw number', value })),
  fc.constantFrom(...RAW_INVALID).map((value) => ({ label: 'invalid JSON token', value })),
  deepNesting,
);

const encoder = new TextEncoder();
const bytesOf = (...parts: (string | number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...encoder.encode(p)] : p)));

/** Changes to the body as a whole: framing, encoding, top-level type. */
const wholeBody: fc.Arbitrary<Labelled<(json: string) => Body>> = fc.constantFrom<Labelled<(json: string) => Body>>(
  { label: 'truncated JSON', value: (json) => ({ kind: 'text', text: json.slice(0, Math.max(1, json.length - 3)) }) },
  { label: 'trailing garbage', value: (json) => ({ kind: 'text', text: `${json}}garbage` }) },
  { label: 'two JSON documents', value: (json) => ({ kind: 'text', text: `${json}\n${json}` }) },
  { label: 'byte order mark', value: (json) => ({ kind: 'text', text: `\ufeff${json}` }) },
  { label: 'empty body', value: () => ({ kind: 'text', text: '' }) },
  { label: 'whitespace body', value: () => ({ kind: 'text', text: ' \n\t ' }) },
  { label: 'top-level null', value: () => ({ kind: 'text', text: 'null' }) },
  { label: 'top-level scalar', value: () => ({ kind: 'text', text: '"just a string"' }) },
  { label: 'top-level array', value: (json) => ({ kind: 'text', text: `[${json}]` }) },
  { label: 'invalid UTF-8', value: (json) => ({ kind: 'bytes', bytes: bytesOf(json.slice(0, -1), ',"x":"', [0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80], '"}') }) },
  { label: 'UTF-16 body', value: (json) => ({ kind: 'bytes', bytes: Uint8Array.from(Buffer.from(json, 'utf16le')) }) },
  // Valid JSON (trailing whitespace) over the 1 MB admin and read limits: only its size is wrong.
  { label: 'body over the size limit', value: (json) => ({ kind: 'text', text: json + ' '.repeat(1_100_000) }) },
  { label: 'NUL bytes around the body', value: (json) => ({ kind: 'bytes', bytes: bytesOf([0], json, [0]) }) },
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: hostileJson.map((w) => ({ kind: 'replace' as const, with: w })), weight: 10 },
  { arbitrary: hostileDate.map((w) => ({ kind: 'date' as const, with: w })), weight: 3 },
  {
    arbitrary: fc
      .tuple(fc.oneof(fc.constantFrom<string>(...PROTOTYPE_KEYS), fc.constantFrom('unknownField', '', ' ', 'a.b', '$ref', '0')), fc.oneof(hostileJson, fc.constant({ label: 'value', value: 1 })))
      .map(([key, w]) => ({ kind: 'add-key' as const, key, with: w })),
    weight: 3,
  },
  // A member name with a JSON escape (`\u005f_proto__`): a check on the raw text's names misses it, JSON.parse does not.
  { arbitrary: fc.tuple(fc.constantFrom<string>(...PROTOTYPE_KEYS), hostileJson).map(([key, w]) => ({ kind: 'escaped-key' as const, key, with: w })), weight: 1 },
  { arbitrary: fc.constant({ kind: 'delete' as const }), weight: 2 },
  { arbitrary: rawText.map((w) => ({ kind: 'raw' as const, with: w })), weight: 3 },
  { arbitrary: fc.oneof(hostileJson, hostileString).map((w) => ({ kind: 'duplicate-key' as const, with: w })), weight: 2 },
  { arbitrary: wholeBody.map((w) => ({ kind: 'whole' as const, with: w })), weight: 2 },
);

/**
 * Near-valid bodies: a valid body (the document's example or one built from the schema) changed at one place,
 * so the request passes the first checks and reaches the deeper ones. Some bodies go unchanged (they drive the
 * state forward: creations, changes) and some are random JSON.
 */
export function hostileBody(valid: fc.Arbitrary<unknown>): fc.Arbitrary<HostileBody> {
  return fc.oneof(
    { arbitrary: fc.record({ base: valid, at: fc.nat(), mutation }).map(({ base, at, mutation: m }) => mutate(base, at, m)), weight: 16 },
    { arbitrary: valid.map((value) => ({ label: 'valid', body: { kind: 'json' as const, value } })), weight: 3 },
    { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => ({ label: 'random JSON', body: { kind: 'json' as const, value } })), weight: 1 },
  );
}

export function mutate(base: unknown, at: number, m: Mutation): HostileBody {
  const root = clone(base);
  const all = nodesOf(root);
  // A hostile date goes where a date is, when the body has one: that is where a date parser runs.
  const dates = m.kind === 'date' ? all.filter((p) => typeof get(root, p) === 'string' && /^\d{4}-\d\d-\d\dT/.test(get(root, p) as string)) : [];
  const nodes = dates.length > 0 ? dates : all;
  const path = nodes[at % nodes.length] ?? [];
  const where = pointer(path);
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  const parent = path.length > 0 ? get(root, parentPath) : undefined;
  const target = get(root, path);
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

  switch (m.kind) {
    case 'replace':
      return { label: `${m.with.label} at ${where}`, body: json(set(root, path, m.with.value)) };
    case 'date':
      return { label: `${m.with.label} at ${where}`, body: json(set(root, path, m.with.value)) };
    case 'add-key': {
      if (!isObject(target)) return { label: `${m.with.label} at ${where}`, body: json(set(root, path, m.with.value)) };
      defineOwn(target, m.key, m.with.value);
      return { label: `key ${JSON.stringify(m.key)} (${m.with.label}) added at ${where}`, body: json(root) };
    }
    case 'escaped-key': {
      const object = isObject(target) ? target : isObject(parent) ? parent : isObject(root) ? root : undefined;
      if (object === undefined) return { label: `${m.with.label} at ${where}`, body: json(set(root, path, m.with.value)) };
      const objectPath = object === target ? path : object === parent ? parentPath : [];
      defineOwn(object, ESCAPED, SPLICE);
      const name = `\\u${m.key.charCodeAt(0).toString(16).padStart(4, '0')}${m.key.slice(1)}`;
      const text = JSON.stringify(root).replace(`${JSON.stringify(ESCAPED)}:${JSON.stringify(SPLICE)}`, () => `"${name}":${JSON.stringify(m.with.value)}`);
      return { label: `key ${JSON.stringify(m.key)} written with an escape (${m.with.label}) added at ${pointer(objectPath)}`, body: { kind: 'text', text } };
    }
    case 'delete':
      if (last === undefined) return { label: 'empty object body', body: json({}) };
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else if (isObject(parent)) delete parent[String(last)];
      return { label: `${where} left out`, body: json(root) };
    case 'raw': {
      const text = JSON.stringify(set(root, path, SPLICE)).replace(JSON.stringify(SPLICE), () => m.with.value);
      return { label: `${m.with.label} at ${where}`, body: { kind: 'text', text } };
    }
    case 'duplicate-key': {
      const object = isObject(target) ? target : isObject(parent) ? parent : isObject(root) ? root : undefined;
      const objectPath = object === target ? path : object === parent ? parentPath : [];
      const key = object === parent && last !== undefined ? String(last) : Object.keys(object ?? {})[0];
      if (object === undefined || key === undefined) return { label: `${m.with.label} at ${where}`, body: json(set(root, path, m.with.value)) };
      defineOwn(object, DUPLICATE, SPLICE);
      const text = JSON.stringify(root).replace(`${JSON.stringify(DUPLICATE)}:${JSON.stringify(SPLICE)}`, () => `${JSON.stringify(key)}:${JSON.stringify(m.with.value)}`);
      return { label: `duplicate key ${JSON.stringify(key)} (${m.with.label}) at ${pointer(objectPath)}`, body: { kind: 'text', text } };
    }
    case 'whole':
      return { label: m.with.label, body: m.with.value(JSON.stringify(root)) };
  }
}

const json = (value: unknown): Body => ({ kind: 'json', value });

/** A deep copy that keeps `__proto__` as an own key (structured cloning is not needed: bodies are JSON). */
function clone(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** Every node of a JSON value, root first, as paths. */
function nodesOf(value: unknown, path: Path = [], into: Path[] = []): Path[] {
  into.push(path);
  if (Array.isArray(value)) value.forEach((v, i) => nodesOf(v, [...path, i], into));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) nodesOf(v, [...path, k], into);
  return into;
}

function get(value: unknown, path: Path): unknown {
  let node = value;
  for (const part of path) node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[part] : undefined;
  return node;
}

/** Sets the node at `path` (the root when empty) and returns the root. */
function set(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const parent = get(root, path.slice(0, -1)) as object;
  defineOwn(parent, path[path.length - 1]!, value);
  return root;
}

function pointer(path: Path): string {
  return ['#', ...path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1'))].join('/');
}
