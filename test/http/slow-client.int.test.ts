import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** Sends `partial` and never the rest; resolves with what the server answered once it closes the connection. */
function sendPartial(url: string, partial: string): Promise<{ answer: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(partial));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer }));
  });
}

describe('slow clients (slowloris)', () => {
  // The test's own timeout is far above the 500 ms configured, far below the 30-60 s Node takes when it checks
  // for timed-out requests only every 30 s: left to that check, the connection is still open when the test ends.
  it('cuts a request whose headers never end at the configured request timeout, not at Node’s 30 s check', { timeout: 15_000 }, async () => {
    const server = await startTestServer({ config: { operations: { logLevel: 'warn', requestTimeoutMs: 500 } } });
    servers.push(server);
    const { answer } = await sendPartial(server.url, 'GET /admin/flags HTTP/1.1\r\nHost: flagstaff\r\nX-Slow: 1\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });
});

describe('requests node:http cannot parse', () => {
  it('answers headers over 16 KiB with a 431 problem, and a malformed request with a 400 problem, not an empty body', async () => {
    const server = await startTestServer({ config: { operations: { logLevel: 'warn' } } });
    servers.push(server);
    const huge = await sendPartial(server.url, `GET /admin/flags HTTP/1.1\r\nHost: flagstaff\r\nAuthorization: Bearer ${'x'.repeat(70_000)}\r\n\r\n`);
    expect(huge.answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(huge.answer).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(huge.answer.slice(huge.answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 431, title: 'Request Header Fields Too Large' });

    const garbled = await sendPartial(server.url, 'GET /admin/flags HTTP/1.1\r\nHost flagstaff\r\n\r\n');
    expect(garbled.answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(garbled.answer.slice(garbled.answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 400 });
  });

  it('still times slow headers out as a 408 problem', async () => {
    const server = await startTestServer({ config: { operations: { logLevel: 'warn', requestTimeoutMs: 500 } } });
    servers.push(server);
    const { answer } = await sendPartial(server.url, 'GET /admin/flags HTTP/1.1\r\nHost: flagstaff\r\n');
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 408 });
  });
});
