import fc from 'fast-check';

/**
 * The hostile values an outside audit (issue 14) throws at every field: wrong types, huge and deep values,
 * control characters, unicode edge cases, prototype keys, absurd numbers and dates. Each comes with a label,
 * so a failure report says what kind of input broke the server, and failures group by it.
 */
export interface Labelled<T> {
  readonly label: string;
  readonly value: T;
}

const labelled = <T>(label: string, arbitrary: fc.Arbitrary<T>): fc.Arbitrary<Labelled<T>> => arbitrary.map((value) => ({ label, value }));
const constants = <T>(label: string, ...values: T[]): fc.Arbitrary<Labelled<T>> => labelled(label, fc.constantFrom(...values));

/** Objects whose own keys are the ones a careless merge or lookup trips on; built by JSON.parse so they stay own keys. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'] as const;

export function objectWithKey(key: string, value: unknown): Record<string, unknown> {
  return JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(value)}}`) as Record<string, unknown>;
}

/** Sets an own property even when its name is `__proto__` (plain assignment would change the prototype instead). */
export function defineOwn(target: object, key: PropertyKey, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Strings that are valid JSON strings but hostile: control characters, unicode edge cases, injection-shaped text. */
export const hostileString: fc.Arbitrary<Labelled<string>> = fc.oneof(
  constants('empty string', '', ' ', '\t\n'),
  constants('NUL character', '\u0000', 'a\u0000b', 'new-checkout\u0000'),
  constants('control characters', '\u0001\u0007\u001b[31m', '\r\n\r\nX-Injected: 1', '\u007f\u0085\u2028\u2029'),
  constants('lone surrogate', '\ud800', 'a\udfffb', '\udc00\ud800', 'x\ud83d'),
  constants('unicode edge', '\ufeffbom', '\u202eevil', 'e\u0301', '😀'.repeat(20), '\uffff\ufffe', 'İı', 'ǅ', 'ﬀ'),
  constants('injection-shaped', "'; DROP TABLE events; --", '${7*7}', '{{7*7}}', '../../etc/passwd', '%00', '%s%s%s%n', '<script>alert(1)</script>', 'a\\u0000'),
  constants('number-like', 'NaN', 'Infinity', '-0', '1e400', '0x1F', '9007199254740993', ' 1', '1_000'),
  labelled('long string', fc.integer({ min: 1_025, max: 70_000 }).map((n) => 'x'.repeat(n))),
  labelled('random unicode', fc.string({ unit: 'binary', maxLength: 40 })),
  labelled('random text', fc.string({ maxLength: 40 })),
);

/** Date-time strings a parser may mishandle: year 0, 9999, negative and expanded years, impossible dates, other formats. */
export const hostileDate: fc.Arbitrary<Labelled<string>> = fc.oneof(
  constants('year 0', '0000-01-01T00:00:00Z', '0000-01-01T00:00:00.000Z', '0000-12-31T23:59:59Z'),
  constants('year 9999', '9999-12-31T23:59:59Z', '9999-12-31T23:59:59.999999999Z'),
  constants('expanded or negative year', '-000001-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '+275760-09-13T00:00:00.001Z', '-271821-04-20T00:00:00Z', '-1-01-01T00:00:00Z'),
  constants('impossible date', '2025-02-30T00:00:00Z', '2025-13-01T00:00:00Z', '2025-01-01T24:00:00Z', '2025-01-01T23:59:60Z', '2025-00-00T00:00:00Z'),
  constants('odd offset', '2025-01-01T00:00:00+25:00', '2025-01-01T00:00:00-23:59', '2025-01-01T00:00:00+14:00', '2025-01-01T00:00:00z'),
  constants('not ISO', '2025-01-01', '2025-01-01 00:00:00', '1/2/2025', 'Tue, 31 Dec 2024 23:59:59 GMT', 'now', 'yesterday', '1735689600', '2025-W01-1', '2025-001'),
  labelled('random date', fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString())),
);

/** Numbers JSON.stringify can express that no schema expects (NaN, Infinity and -0 need raw text: see RAW_NUMBERS). */
export const hostileNumber: fc.Arbitrary<Labelled<number>> = fc.oneof(
  constants('absurd number', Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER - 2, 2 ** 53, 2 ** 64, 1e21, -1),
  constants('fractional where an integer is due', 0.5, 1.000_000_1, 99_999.999, -0.5),
  constants('small number', 0, 1, -2_147_483_649, 4_294_967_296),
  labelled('random double', fc.double({ noNaN: true, noDefaultInfinity: true })),
);

/**
 * Raw JSON text that JSON.stringify never writes: numbers that parse to Infinity, -0 or lose precision, and
 * text that is not JSON at all. Spliced into an otherwise valid body.
 */
export const RAW_NUMBERS = ['1e400', '-1e400', '1e-400', '-0', '-0.0', '9007199254740993', '123456789012345678901234567890', '0.1e1', '1E+2'] as const;
export const RAW_INVALID = ['NaN', 'Infinity', '-Infinity', 'undefined', "'single'", '01', '+1', '.5', '0x10', '"\u0000raw"', '"\t"', 'tru', '[1,]', '{"a":1,}'] as const;

/** Nesting as raw text: deep enough to hurt a recursive validator or copier without a huge body. */
export const deepNesting: fc.Arbitrary<Labelled<string>> = fc.oneof(
  labelled('deep nesting', fc.integer({ min: 500, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth))),
  labelled('deep nesting', fc.integer({ min: 500, max: 20_000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth))),
);

/** A JSON value of the wrong kind for almost any field. */
export const hostileJson: fc.Arbitrary<Labelled<unknown>> = fc.oneof(
  { arbitrary: hostileString, weight: 5 },
  { arbitrary: hostileDate, weight: 3 },
  { arbitrary: hostileNumber, weight: 3 },
  { arbitrary: constants<unknown>('wrong type', null, true, false, 0, '', [], {}, [null], ['x'], { x: 1 }), weight: 4 },
  { arbitrary: labelled('prototype key', fc.tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.constantFrom<unknown>({ polluted: true }, null, 1, 'x', [])).map(([k, v]) => objectWithKey(k, v))), weight: 2 },
  { arbitrary: labelled('nested prototype key', fc.constantFrom(...PROTOTYPE_KEYS).map((k) => ({ a: objectWithKey(k, { isAdmin: true }) }))), weight: 1 },
  { arbitrary: labelled('deep value', fc.integer({ min: 50, max: 2_000 }).map(nestedArray)), weight: 1 },
  { arbitrary: labelled('many items', fc.integer({ min: 1_001, max: 20_000 }).map((n) => Array.from({ length: n }, (_, i) => `v${i}`))), weight: 1 },
  { arbitrary: labelled('many keys', fc.integer({ min: 101, max: 5_000 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])))), weight: 1 },
  { arbitrary: labelled('random JSON', fc.jsonValue({ maxDepth: 3 })), weight: 3 },
);

function nestedArray(depth: number): unknown {
  let value: unknown = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** Text for a URL path segment or a query value, before percent-encoding (see encodeComponent). */
export const hostileSegment: fc.Arbitrary<Labelled<string>> = fc.oneof(
  { arbitrary: hostileString, weight: 4 },
  { arbitrary: hostileDate, weight: 1 },
  { arbitrary: constants('prototype key', ...PROTOTYPE_KEYS), weight: 2 },
  { arbitrary: constants('path trick', '..', '.', '...', '/', '//', 'a/b', '%2e%2e', 'a;b', 'a?b', 'a#b', 'UPPER', 'a b', '-leading', '_leading', 'a'.repeat(128), 'a'.repeat(129)), weight: 2 },
);

/** Percent-encoding that survives lone surrogates (encodeURIComponent throws on them): those are sent as their WTF-8 bytes. */
export function encodeComponent(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    else out += encodeURIComponent(ch);
  }
  return out;
}

/** Percent-encoding that is itself broken, sent verbatim. */
export const BROKEN_ENCODINGS = ['%', '%zz', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%FF%FE', '%u0041', '%%', '%00', '%0a', '+', '%2F'] as const;

/** A header value node:http will put on the wire: latin-1 without CR, LF or NUL (anything else is refused by the client). */
export function headerSafe(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    out += code === 9 || (code >= 0x20 && code <= 0xff && code !== 0x7f) ? ch : '?';
  }
  return out.trim();
}

/** A hostile header value (what a client can still send). */
export const hostileHeader: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', 'null', 'undefined', '0', '-1', '*', ',', ';;;', '"', 'W/', 'W/"', '\t', 'Ã©Ã¨', 'ÿþ', 'x'.repeat(8_000)),
  hostileString.map((s) => headerSafe(s.value)),
  fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map(headerSafe),
);
