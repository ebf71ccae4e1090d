import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OPERATIONS_DEFAULTS } from '../../src/root/config.ts';

// No Docker engine here to run `docker stop` against: what lets it stop Flagstaff gracefully is checked on the
// files instead. The signal must be handed on at every step: tini (PID 1) → sh → npm → the start script → node.
const root = path.resolve(import.meta.dirname, '../..');
const compose = parse(readFileSync(path.join(root, 'infra/docker-compose.yml'), 'utf8')) as {
  services: { flagstaff: { init?: boolean; command: string; stop_grace_period?: string } };
};
const service = compose.services.flagstaff;

describe('infra/docker-compose.yml runs Flagstaff so that docker stop shuts it down gracefully', () => {
  it('runs an init as PID 1, which forwards the signal, rather than a process that may ignore it', () => {
    expect(service.init).toBe(true);
  });

  it('has the shell exec npm start as its last step, so the signal reaches npm, and npm hands it to node', () => {
    const script = /^sh -c "(.*)"$/.exec(service.command)?.[1];
    expect(script).toBeDefined();
    expect(script!.split('&&').at(-1)!.trim()).toBe('exec npm start');
    const { scripts } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts['start']).toMatch(/^(?:[A-Z_][A-Z0-9_]*=\S+ )*exec node /);
  });

  it('gives the drain its time before Docker kills: a grace period above the shutdown timeout', () => {
    const seconds = Number(/^(\d+)s$/.exec(service.stop_grace_period ?? '')?.[1]);
    expect(seconds * 1000).toBeGreaterThan(OPERATIONS_DEFAULTS.shutdownTimeoutMs);
  });
});
