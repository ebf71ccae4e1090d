import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.ts';
import type { Targeting } from '../../src/shared/targeting.ts';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/flagstaff.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await server.api('POST', '/admin/flags', { body: { key: 'checkout' } });
  await server.api('POST', '/admin/flags', { body: { key: 'banner' } });
  await server.api('POST', '/admin/flags/checkout/environments/production/toggle', { body: { enabled: true } });
  await server.projection.caughtUp();
});
afterAll(async () => server.close());

/** The command line in this process, against the test server: its exit code and what it wrote. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: Readable.from([]),
    env: { FLAGSTAFF_URL: server.url, FLAGSTAFF_TOKEN: ADMIN_TOKEN },
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

describe('POST /admin/projections/rebuild against the fold of the flag streams', () => {
  it('lists no flag when the read model is the log', async () => {
    const report = await server.api('POST', '/admin/projections/rebuild');
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ equal: true, flagsDifferingFromFold: { live: [], rebuilt: [] } });
  });

  it('names the flag whose live definition drifted from the fold, with a 500, and so does the command line', async () => {
    // A drift no event explains: the live model's stored flag changed behind its back.
    const stored = server.projection.model.storedFlag('checkout')! as { environments: Record<string, Targeting> };
    stored.environments = { ...stored.environments, production: { ...stored.environments['production']!, enabled: false } };

    const report = await server.api('POST', '/admin/projections/rebuild');
    expect(report.status).toBe(500);
    expect(report.body).toMatchObject({ equal: false, flagsDifferingFromFold: { live: ['checkout'], rebuilt: [] } });
    expect(report.body.liveHash).not.toBe(report.body.rebuiltHash);

    const run = await cli(['projections', 'rebuild']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`flags of the live read model differ from the fold of their streams at position ${report.body.position}: checkout`);
  });
});
