import { randomUUID } from 'node:crypto';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouseAnalyticsStore } from '../../../src/analytics/store/clickhouse-analytics-store.ts';
import { documentData, documentedQueries, expectedAnswers, load, normalisedRows, type Row } from './analytics-schema-docs.ts';

// docs/analytics-schema.md's ClickHouse queries on the real ClickHouse 18.16 that infra/up.sh starts, in a
// database of their own (the document's queries name tables without one, as with `clickhouse-client --database`),
// filled by Flagstaff's store with an experiment some of whose events were delivered twice, in separate inserts so
// that the copies sit in separate parts until a merge. Each answer must equal what the results API computes.
const url = process.env['CLICKHOUSE_URL'] ?? 'http://127.0.0.1:8123';
const database = `schema_docs_${randomUUID().replaceAll('-', '')}`;
const { data, duplicates } = documentData();
const expected = expectedAnswers(data);
let client: ClickHouseClient;

const run = async (sql: string): Promise<Row[]> => normalisedRows(await (await client.query({ query: sql, format: 'JSONEachRow' })).json<Record<string, unknown>>());

beforeAll(async () => {
  const store = await createClickHouseAnalyticsStore({ url, database });
  try {
    await load(store, { data, duplicates });
  } finally {
    await store.close();
  }
  client = createClient({ url, database, log: { level: ClickHouseLogLevel.OFF } });
});

afterAll(async () => {
  await client?.close();
  const admin = createClient({ url, log: { level: ClickHouseLogLevel.OFF } });
  try {
    await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  } finally {
    await admin.close();
  }
});

describe('docs/analytics-schema.md on ClickHouse', () => {
  const queries = documentedQueries().filter((q) => q.engines.includes('clickhouse'));

  it('documents ClickHouse queries, each with an expected answer', () => {
    expect(queries.length).toBeGreaterThanOrEqual(5);
    for (const q of queries) expect(Object.keys(expected)).toContain(q.title);
  });

  it.each(queries.map((q) => [q.title, q.sql] as const))('%s', async (title, sql) => {
    const answer = await run(sql);
    expect(answer.length).toBeGreaterThan(0);
    expect(answer).toEqual(expected[title]);
  });
});
