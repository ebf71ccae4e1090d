import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

describe('GET /admin/tokens/current', () => {
  it('names the token the request is signed with, for any role, and no secret', async () => {
    expect((await server.api('GET', '/admin/tokens/current')).body).toEqual({ id: 'bootstrap', actor: 'bootstrap-admin', role: 'admin' });

    const issued = await server.api('POST', '/admin/tokens', { body: { name: 'reader', role: 'viewer' } });
    const reader = issued.body.token as string;
    const answer = await server.api('GET', '/admin/tokens/current', { token: reader });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ id: issued.body.id, actor: `token:reader#${issued.body.id}`, role: 'viewer' });

    await server.api('DELETE', `/admin/tokens/${issued.body.id}`);
    expect((await server.api('GET', '/admin/tokens/current', { token: reader })).status).toBe(401);
    expect((await server.api('GET', '/admin/tokens/current', { token: null })).status).toBe(401);
  });
});
