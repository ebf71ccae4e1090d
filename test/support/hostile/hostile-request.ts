import fc from 'fast-check';
import { hostileBody, type Body, type HostileBody } from './hostile-body.ts';
import { BROKEN_ENCODINGS, encodeComponent, headerSafe, hostileDate, hostileHeader, hostileNumber, hostileSegment, PROTOTYPE_KEYS } from './hostile-values.ts';
import { schemaArbitrary } from './schema-arbitrary.ts';

type Schema = { [key: string]: unknown };

/** One operation of the served OpenAPI document. */
export interface Operation {
  readonly method: string;
  readonly template: string;
  readonly operationId: string;
  readonly spec: Schema;
}

/** What the harness set up before fuzzing: tokens of every kind and the resources that exist. */
export interface Fixture {
  readonly adminTokens: Readonly<Record<'admin' | 'editor' | 'viewer', string>>;
  readonly sdkKeys: Readonly<Record<'server' | 'client' | 'otherEnvironment', string>>;
  /** The SDK keys' environment. */
  readonly environment: string;
  /** Existing keys or ids by collection, the path segment before a parameter: flags, segments, environments, api-keys, ... */
  readonly resources: Readonly<Record<string, readonly string[]>>;
}

export type ContentEncoding = 'identity' | 'gzip' | 'corrupt gzip' | 'deflate' | 'br' | 'unknown coding' | 'gzip, gzip';

export interface HostileRequest {
  readonly operation: Operation;
  readonly method: string;
  /** Path and query, percent-encoded as sent. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: HostileBody | undefined;
  readonly encoding: ContentEncoding;
  /** What is hostile about it (path, query, headers, body), for grouping failures. */
  readonly labels: readonly string[];
}

/** Every operation of the document, in document order. */
export function operationsOf(document: Schema): Operation[] {
  const paths = document['paths'] as Record<string, Record<string, Schema>>;
  return Object.entries(paths).flatMap(([template, item]) =>
    Object.entries(item).map(([method, spec]) => ({ method: method.toUpperCase(), template, operationId: String(spec['operationId']), spec })),
  );
}

/** Resolves a `{ $ref }` parameter of the document. */
function parameter(document: Schema, p: Schema): Schema {
  if (typeof p['$ref'] !== 'string') return p;
  const name = p['$ref'].split('/').pop()!;
  return ((document['components'] as Schema)['parameters'] as Record<string, Schema>)[name]!;
}

/** Hostile requests for one operation: mostly authorised and near-valid, so they reach the validation they probe. */
export function requestArbitrary(document: Schema, operation: Operation, fixture: Fixture): fc.Arbitrary<HostileRequest> {
  const parameters = ((operation.spec['parameters'] as Schema[] | undefined) ?? []).map((p) => parameter(document, p));
  const headerNames = new Set(parameters.filter((p) => p['in'] === 'header').map((p) => String(p['name']).toLowerCase()));
  const requestBody = operation.spec['requestBody'] as { content: Record<string, { schema: Schema; example?: unknown }> } | undefined;
  const media = requestBody?.content['application/json'];

  const path = pathArbitrary(operation, fixture);
  const query = queryArbitrary(document, operation, parameters, fixture);
  const headers = headersArbitrary(operation, headerNames, fixture, media !== undefined);
  const valid = media ? (media.example === undefined ? schemaArbitrary(document, media.schema) : fc.oneof({ arbitrary: fc.constant(media.example), weight: 2 }, { arbitrary: schemaArbitrary(document, media.schema), weight: 1 })) : undefined;
  const body = valid ? hostileBody(valid).map((b) => b as HostileBody | undefined) : fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, { arbitrary: hostileBody(fc.constant({})).map((b) => b as HostileBody | undefined), weight: 1 });
  const encoding: fc.Arbitrary<ContentEncoding> = fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constant('identity' as const), weight: 16 },
    { arbitrary: fc.constantFrom<ContentEncoding>('gzip', 'corrupt gzip', 'deflate', 'br', 'unknown coding', 'gzip, gzip'), weight: 2 },
  );
  const method = fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant(operation.method), weight: 30 }, { arbitrary: fc.constantFrom('PATCH', 'OPTIONS', 'PUT', 'DELETE', 'POST', 'GET'), weight: 1 });

  return fc.record({ method, path, query, headers, body, encoding }).map((r) => {
    const labels = [...r.path.labels, ...r.query.labels, ...r.headers.labels, ...(r.body ? [`body: ${r.body.label}`] : []), ...(r.encoding === 'identity' || !r.body ? [] : [`content-encoding: ${r.encoding}`])];
    if (r.method !== operation.method) labels.unshift(`method ${r.method}`);
    const request: HostileRequest = {
      operation,
      method: r.method,
      url: r.path.text + r.query.text,
      headers: r.headers.text,
      body: r.body,
      encoding: r.body ? r.encoding : 'identity',
      labels,
    };
    return Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request) });
  });
}

interface Part<T> {
  readonly text: T;
  readonly labels: readonly string[];
}

function pathArbitrary(operation: Operation, fixture: Fixture): fc.Arbitrary<Part<string>> {
  const pieces = operation.template.split(/(\{\w+\})/).filter((s) => s !== '');
  return fc.tuple(...pieces.map((piece, i) => (piece.startsWith('{') ? pathParameter(piece.slice(1, -1), collectionBefore(pieces[i - 1] ?? ''), fixture) : fc.constant({ text: piece, labels: [] as string[] })))).map((parts) => ({
    text: parts.map((p) => p.text).join(''),
    labels: parts.flatMap((p) => p.labels),
  }));
}

/** `/admin/flags/` → `flags`: the collection a path parameter names a member of. */
function collectionBefore(piece: string): string {
  return piece.split('/').filter(Boolean).pop() ?? '';
}

function pathParameter(name: string, collection: string, fixture: Fixture): fc.Arbitrary<Part<string>> {
  const existing = fixture.resources[collection] ?? [];
  const arbitraries: { arbitrary: fc.Arbitrary<Part<string>>; weight: number }[] = [
    { arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/).map((k) => ({ text: k, labels: [] })), weight: 1 },
    { arbitrary: hostileSegment.map((s) => ({ text: encodeComponent(s.value), labels: [`path {${name}}: ${s.label}`] })), weight: 3 },
    { arbitrary: fc.constantFrom(...BROKEN_ENCODINGS).map((s) => ({ text: `x${s}`, labels: [`path {${name}}: broken percent-encoding`] })), weight: 1 },
  ];
  if (existing.length > 0) arbitraries.push({ arbitrary: fc.constantFrom(...existing).map((k) => ({ text: encodeComponent(k), labels: [] })), weight: 9 });
  return fc.oneof(...arbitraries);
}

function queryArbitrary(document: Schema, operation: Operation, parameters: Schema[], fixture: Fixture): fc.Arbitrary<Part<string>> {
  const documented = parameters.filter((p) => p['in'] === 'query');
  const named = documented.filter((p) => (p['schema'] as Schema | undefined)?.['type'] !== 'object');
  const freeForm = documented.some((p) => (p['schema'] as Schema | undefined)?.['type'] === 'object');

  const valueFor = (p: Schema): fc.Arbitrary<{ value: string; label?: string }> => {
    const name = String(p['name']);
    const schema = (p['schema'] as Schema | undefined) ?? {};
    const validValue = name === 'environment' ? fc.constant(fixture.environment) : schemaArbitrary(document, schema).map((v) => String(v));
    return fc.oneof(
      { arbitrary: validValue.map((value) => ({ value })), weight: 6 },
      { arbitrary: hostileSegment.map((s) => ({ value: s.value, label: `query ${name}: ${s.label}` })), weight: 2 },
      { arbitrary: hostileDate.map((s) => ({ value: s.value, label: `query ${name}: ${s.label}` })), weight: 1 },
      { arbitrary: hostileNumber.map((s) => ({ value: String(s.value), label: `query ${name}: ${s.label}` })), weight: 1 },
    );
  };
  const documentedPairs = fc.tuple(...named.map((p) => fc.option(valueFor(p).map((v) => ({ name: String(p['name']), ...v })), { freq: 2 })));
  const extraNames = [...PROTOTYPE_KEYS, 'a[b]', 'a[__proto__][x]', '', 'unknown', ...named.map((p) => String(p['name']))];
  const extra = fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant([]), weight: 3 }, { arbitrary: fc.array(
    fc.record({
      name: fc.oneof(fc.constantFrom(...extraNames), fc.string({ maxLength: 12 })),
      value: fc.oneof(hostileSegment, hostileDate, fc.string({ maxLength: 12 }).map((value) => ({ label: 'text', value }))),
    }),
    { minLength: 1, maxLength: freeForm ? 6 : 2 },
  ), weight: 1 });
  const broken = fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant(null), weight: 15 }, { arbitrary: fc.constantFrom(...BROKEN_ENCODINGS), weight: 1 });
  return fc.record({ documentedPairs, extra, broken, context: freeForm ? fc.option(fc.constantFrom('targetingKey=user-7&country=US', 'targetingKey=&plan=premium', 'userId=u1'), { freq: 2 }) : fc.constant(null) }).map(({ documentedPairs: pairs, extra: more, broken: b, context }) => {
    const labels: string[] = [];
    const parts: string[] = [];
    for (const pair of pairs) {
      if (pair === null) continue;
      parts.push(`${encodeComponent(pair.name)}=${encodeComponent(pair.value)}`);
      if (pair.label) labels.push(pair.label);
    }
    for (const e of more) {
      parts.push(`${encodeComponent(e.name)}=${encodeComponent(e.value.value)}`);
      labels.push(`extra query ${JSON.stringify(e.name)}: ${e.value.label}`);
    }
    if (context) parts.push(context);
    if (b) {
      parts.push(`x=${b}`);
      labels.push('query: broken percent-encoding');
    }
    return { text: parts.length > 0 ? `?${parts.join('&')}` : '', labels };
  });
}

function headersArbitrary(operation: Operation, documented: Set<string>, fixture: Fixture, hasBody: boolean): fc.Arbitrary<Part<Record<string, string>>> {
  const role = operation.spec['x-flagstaff-role'] as 'viewer' | 'editor' | 'admin' | undefined;
  const security = (operation.spec['security'] as Record<string, unknown>[] | undefined) ?? [];
  const sdk = security.some((s) => 'sdkKey' in s);
  const rightToken = role ? fixture.adminTokens[role] : sdk ? fixture.sdkKeys.server : fixture.adminTokens.admin;
  const otherTokens = [fixture.adminTokens.viewer, fixture.adminTokens.editor, fixture.sdkKeys.client, fixture.sdkKeys.otherEnvironment, sdk ? fixture.adminTokens.admin : fixture.sdkKeys.server];

  type Header = { name: string; value: string | undefined; label?: string };
  const header = (name: string, options: { value: fc.Arbitrary<string>; label: string; weight: number }[], absentWeight: number): fc.Arbitrary<Header> =>
    // Cross-shrinking lets a failing case shrink to one without the header (the first branch).
    fc.oneof(
      { withCrossShrink: true },
      { arbitrary: fc.constant({ name, value: undefined }), weight: absentWeight },
      ...options.filter((o) => o.weight > 0).map((o) => ({ arbitrary: o.value.map((value) => ({ name, value, label: o.label ? `${name}: ${o.label}` : undefined })), weight: o.weight })),
    ) as fc.Arbitrary<Header>;

  const authorization = header('authorization', [
    { value: fc.constant(`Bearer ${rightToken}`), label: '', weight: 40 },
    { value: fc.constantFrom(...otherTokens).map((t) => `Bearer ${t}`), label: 'another role or kind of key', weight: 2 },
    { value: fc.constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', `bearer ${rightToken}`, `Bearer  ${rightToken}`, `Bearer ${rightToken} extra`, 'Bearer fs_admin_x', `Bearer ${'a'.repeat(8_000)}`), label: 'malformed', weight: 2 },
    { value: hostileHeader.map((v) => `Bearer ${v}`), label: 'hostile token', weight: 1 },
  ], 1);
  const ifMatchParameter = documented.has('if-match');
  const ifMatch = header('if-match', [
    { value: fc.constant('*'), label: '', weight: ifMatchParameter ? 12 : 0 },
    { value: fc.constantFrom('W/"1"', 'W/"2"', '"1"', 'W/"0"', 'W/"-1"', 'W/"1.5"', 'W/""', 'W/"9007199254740993"', 'W/"1e3"', 'W/"1", W/"2"', '*, W/"1"', 'W/"1"junk'), label: 'odd ETag', weight: 3 },
    { value: hostileHeader, label: 'hostile', weight: 1 },
  ], ifMatchParameter ? 2 : 30);
  const idempotencyKey = header('idempotency-key', [
    { value: fc.stringMatching(/^[a-z0-9-]{1,12}$/).map((k) => `fuzz-${k}`), label: '', weight: 3 },
    { value: fc.constantFrom('', ' ', 'a'.repeat(256), 'key with spaces', 'ünïcødé'), label: 'invalid', weight: 1 },
    { value: hostileHeader, label: 'hostile', weight: 1 },
  ], documented.has('idempotency-key') ? 8 : 40);
  const contentType = header('content-type', [
    { value: fc.constant('application/json'), label: '', weight: 30 },
    {
      value: fc.constantFrom('application/json; charset=utf-8', 'APPLICATION/JSON', 'application/merge-patch+json', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json; charset=nope', 'application/json; charset="', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', '', 'application/jsonx', '*/*'),
      label: 'odd media type',
      weight: 2,
    },
  ], hasBody ? 1 : 40);
  const accept = header('accept', [
    { value: fc.constantFrom('application/json', 'application/problem+json', 'text/csv', 'text/html', 'text/event-stream', '*/*', 'image/png', 'application/json;q=0', 'garbage;;q=x'), label: 'accept', weight: 1 },
  ], 6);
  const requestId = header('x-request-id', [
    { value: fc.stringMatching(/^[\w.:-]{1,20}$/), label: '', weight: 1 },
    { value: hostileHeader, label: 'hostile', weight: 1 },
  ], 8);
  const sdkHeaders = fc.tuple(
    header('if-none-match', [{ value: fc.oneof(fc.constantFrom('W/"1"', '*', 'W/"99999999999"'), hostileHeader), label: 'if-none-match', weight: 1 }], 6),
    header('last-event-id', [{ value: fc.oneof(fc.constantFrom('0', '1', '999999999999999', '9999999999999999', '-1', '1.5', '1e3'), hostileHeader), label: 'last-event-id', weight: 1 }], 5),
    header('accept-encoding', [{ value: fc.constantFrom('gzip', 'br', '*;q=0', 'gzip;q=NaN', 'identity;q=0, *;q=0', 'x'.repeat(2_000)), label: 'accept-encoding', weight: 1 }], 4),
  );

  return fc.tuple(authorization, ifMatch, idempotencyKey, contentType, accept, requestId, sdk ? sdkHeaders : fc.constant([] as Header[])).map((all) => {
    const values: Record<string, string> = {};
    const labels: string[] = [];
    for (const h of all.flat()) {
      if (h.value === undefined) continue;
      values[h.name] = headerSafe(h.value);
      if (h.label) labels.push(h.label);
    }
    return { text: values, labels };
  });
}

/** A readable reproduction: the request as it goes on the wire, long values cut. */
export function describeRequest(request: HostileRequest): string {
  const lines = [`${request.method} ${cut(request.url, 300)}`];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${cut(value, 120)}`);
  if (request.body) {
    if (request.encoding !== 'identity') lines.push(`content-encoding: ${request.encoding}`);
    lines.push('', cut(bodyText(request.body.body), 1_500));
  }
  lines.push(`(${request.operation.operationId}${request.labels.length > 0 ? `; ${request.labels.join('; ')}` : ''})`);
  return lines.join('\n');
}

export function bodyText(body: Body): string {
  switch (body.kind) {
    case 'json':
      return JSON.stringify(body.value) ?? '';
    case 'text':
      return body.text;
    case 'bytes':
      return `<${body.bytes.length} bytes: ${Buffer.from(body.bytes).toString('hex').slice(0, 200)}>`;
  }
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}
