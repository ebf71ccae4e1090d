import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/event-store/event-store.ts';
import { createPgliteDriver } from '../../src/event-store/pglite-driver.ts';
import { createSqlEventStore } from '../../src/event-store/sql-event-store.ts';
import { startTestServer, type ApiResponse, type TestServer } from '../support/flagstaff.ts';

/**
 * Issue 14: two admin tokens may share a name, so actors and Idempotency-Keys belong to the token id. Twenty
 * commands race with one Idempotency-Key, ten from each of two tokens named alike. Each token's first request
 * applies once; its other requests replay that one (Idempotent-Replayed) when they are the same request, and are
 * a 422 when they are not, even those that would have written another stream; no token ever replays the other's.
 */
let server: TestServer;
beforeAll(async () => {
  // Appends take a round trip, as to a PostgreSQL elsewhere: with an in-process store a request is usually done
  // before the next one looks, which hides the race (no assertion depends on the delay, only the odds of a race).
  const store = await createSqlEventStore(await createPgliteDriver());
  const remote: EventStore = { ...store, append: async (...args) => (await new Promise((resolve) => setTimeout(resolve, 25)), store.append(...args)) };
  server = await startTestServer({ store: remote });
});
afterAll(async () => server.close());

interface Sent {
  readonly token: 'first' | 'second';
  readonly flagKey: string;
  readonly response: ApiResponse;
}

describe('one Idempotency-Key, two admin tokens of one name, twenty requests at once', () => {
  it('applies each token’s command exactly once, replays or refuses the rest of that token’s, never the other’s', async () => {
    const issue = async () => (await server.api('POST', '/admin/tokens', { body: { name: 'release-bot', role: 'editor' } })).body as { id: string; token: string };
    const tokens = { first: await issue(), second: await issue() };
    expect(tokens.first.id).not.toBe(tokens.second.id);
    const before = await server.store.headPosition();

    // Per token, seven copies of one request and three of another (another flag: another stream), interleaved.
    const plan = (['first', 'second'] as const).flatMap((token) =>
      Array.from({ length: 10 }, (_, i) => ({ token, flagKey: i % 3 === 1 ? `${token}-other` : `${token}-flag` })),
    );
    const order = plan.flatMap((_, i) => (i % 2 === 0 ? [plan[i / 2]!, plan[10 + i / 2]!] : [])).filter(Boolean);
    expect(order).toHaveLength(20);
    const sent: Sent[] = await Promise.all(
      order.map(async ({ token, flagKey }) => ({
        token,
        flagKey,
        response: await server.api('POST', '/admin/flags', { token: tokens[token].token, headers: { 'idempotency-key': 'release-7' }, body: { key: flagKey } }),
      })),
    );

    const created: string[] = [];
    for (const token of ['first', 'second'] as const) {
      const mine = sent.filter((s) => s.token === token);
      const applied = mine.filter((s) => s.response.status === 201 && s.response.headers.get('idempotent-replayed') === null);
      expect(applied.map((s) => s.flagKey), `${token}: ${JSON.stringify(mine.map((s) => [s.flagKey, s.response.status]))}`).toHaveLength(1);
      const winner = applied[0]!.flagKey;
      created.push(winner);
      for (const { flagKey, response } of mine.filter((s) => s !== applied[0])) {
        if (flagKey === winner) {
          expect(response.status, JSON.stringify(response.body)).toBe(201);
          expect(response.headers.get('idempotent-replayed')).toBe('true');
          expect(response.body.key).toBe(winner); // its own token's flag, never the other token's
        } else {
          expect(response.status, JSON.stringify(response.body)).toBe(422);
          expect(response.body.type).toBe('urn:flagstaff:problem:idempotency-key-reused');
        }
      }
    }

    // The log holds exactly the two creations, one by each token, told apart by id.
    const appended = (await server.store.readAll({ after: before })).filter((e) => e.type === 'FlagCreated');
    expect(appended.map((e) => [e.streamId, e.metadata['actor']]).sort()).toEqual(
      [
        [`flag-${created[0]}`, `token:release-bot#${tokens.first.id}`],
        [`flag-${created[1]}`, `token:release-bot#${tokens.second.id}`],
      ].sort(),
    );
    for (const key of ['first-flag', 'first-other', 'second-flag', 'second-other']) {
      expect((await server.api('GET', `/admin/flags/${key}`)).status, key).toBe(created.includes(key) ? 200 : 404);
    }
    // The audit feed shows the two changes by two distinct actors; the keys' bookkeeping only when asked for.
    const audit = await server.api('GET', '/admin/audit?actor=token:release-bot');
    expect(audit.body.entries.map((e: { type: string; actor: string }) => [e.type, e.actor]).sort()).toEqual(
      [
        ['FlagCreated', `token:release-bot#${tokens.first.id}`],
        ['FlagCreated', `token:release-bot#${tokens.second.id}`],
      ].sort(),
    );
    const claims = await server.api('GET', '/admin/audit?actor=token:release-bot&entity=idempotency');
    expect(claims.body.entries.map((e: { type: string }) => e.type)).toEqual(['IdempotencyKeyClaimed', 'IdempotencyKeyClaimed']);
  });
});
