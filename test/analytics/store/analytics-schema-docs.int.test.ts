import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbAnalyticsStore } from '../../../src/analytics/store/duckdb-analytics-store.ts';
import { documentData, documentedQueries, expectedAnswers, load, normalisedRows, type Row } from './analytics-schema-docs.ts';

// docs/analytics-schema.md's queries, pasted as an analyst would: on the file Flagstaff's DuckDB store wrote, opened
// read-only by a client of its own once the store is closed, holding an experiment some of whose events were
// delivered twice. Each answer must equal what the results API computes.
const directory = mkdtempSync(path.join(tmpdir(), 'flagstaff-schema-docs-'));
const file = path.join(directory, 'analytics', 'flagstaff.duckdb');
const { data, duplicates } = documentData();
const expected = expectedAnswers(data);
let instance: DuckDBInstance;
let connection: DuckDBConnection;

const run = async (sql: string): Promise<Row[]> => normalisedRows((await connection.runAndReadAll(sql)).getRowObjects());

beforeAll(async () => {
  const store = await createDuckDbAnalyticsStore({ path: file });
  try {
    await load(store, { data, duplicates });
  } finally {
    await store.close();
  }
  instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  connection = await instance.connect();
});

afterAll(() => {
  connection?.closeSync();
  instance?.closeSync();
  rmSync(directory, { recursive: true, force: true });
});

describe('docs/analytics-schema.md on DuckDB', () => {
  const queries = documentedQueries().filter((q) => q.engines.includes('duckdb'));

  it('has an expected answer for every documented query, and a query for every expected answer', () => {
    const titles = documentedQueries().map((q) => q.title);
    expect(new Set(titles)).toEqual(new Set(Object.keys(expected)));
    expect(queries.length).toBeGreaterThanOrEqual(5);
  });

  it.each(queries.map((q) => [q.title, q.sql] as const))('%s', async (title, sql) => {
    const answer = await run(sql);
    expect(answer.length).toBeGreaterThan(0);
    expect(answer).toEqual(expected[title]);
  });

  it('over-counts with a plain count(*), as the document warns: the duplicates stay', async () => {
    const [plain] = await run('SELECT count(*) AS n FROM metric_events');
    expect(plain?.['n']).toBe(data.metricEvents.length + duplicates.metricEvents.length);
  });
});
