import { describe, expect, it } from 'vitest';
import { serversSharingPostgres } from '../support/postgres.ts';
import { connectSse } from '../support/sse-client.ts';

const schema = `revocation_e2e_${process.pid}`;
// Two processes (in effect) on one PostgreSQL, each with its own read projection following the shared log.
const servers = serversSharingPostgres(schema);

describe('revoking an SDK key on a real PostgreSQL, two servers side by side', () => {
  it('ends the key’s stream open on the other server, with the final frame, and that server then refuses the key', async () => {
    const issued = await servers.first.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'server' } });
    expect(issued.status).toBe(201);
    await servers.second.projection.caughtUp();
    const auth = { authorization: `Bearer ${issued.body.key}` };
    const stream = await connectSse(`${servers.second.url}/api/v1/stream`, auth);
    try {
      expect(stream.status).toBe(200);
      await stream.next((e) => e.event === 'snapshot');

      expect((await servers.first.api('DELETE', `/admin/api-keys/${issued.body.id}`)).status).toBe(200);
      // The second server learns of the revocation through NOTIFY (or, were a notification lost, its poll of the
      // log every second) and ends the stream as it applies it; the limit only spares a slow machine.
      const end = await stream.next((e) => e.event === 'end', 15_000);
      expect(JSON.parse(end.data)).toMatchObject({ status: 401, reason: 'revoked' });
      expect(await stream.endedBy).toBe('server');

      const again = await connectSse(`${servers.second.url}/api/v1/stream`, auth);
      expect(again.status).toBe(401);
      again.close();
    } finally {
      stream.close();
    }
  });
});
