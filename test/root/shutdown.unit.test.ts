import { describe, expect, it } from 'vitest';
import { ShutdownSequence } from '../../src/root/shutdown.ts';

describe('the shutdown sequence', () => {
  it('stops the parts in reverse start order, each finished before the next begins', async () => {
    const log: string[] = [];
    const shutdown = new ShutdownSequence();
    const slow = (name: string) => async () => {
      log.push(`${name} begins`);
      await new Promise((resolve) => setImmediate(resolve));
      log.push(`${name} ends`);
    };
    shutdown.add('tracing', slow('tracing'));
    shutdown.add('store', () => void log.push('store'));
    shutdown.add('server', slow('server'));
    await shutdown.run();
    expect(log).toEqual(['server begins', 'server ends', 'store', 'tracing begins', 'tracing ends']);
  });

  it('runs stops that finish at once in the same turn, as straight code would', async () => {
    const log: string[] = [];
    const shutdown = new ShutdownSequence();
    shutdown.add('second', () => void log.push('second'));
    shutdown.add('first', () => void log.push('first'));
    const running = shutdown.run();
    expect(log).toEqual(['first', 'second']);
    await running;
  });

  it('ends with the error of a failing stop, leaving the later ones alone', async () => {
    const log: string[] = [];
    const shutdown = new ShutdownSequence();
    shutdown.add('store', () => void log.push('store'));
    shutdown.add('bus', async () => {
      throw new Error('bus would not close');
    });
    shutdown.add('server', () => void log.push('server'));
    await expect(shutdown.run()).rejects.toThrow('bus would not close');
    expect(log).toEqual(['server']);
  });

  it('goes through the whole sequence again on a second run', async () => {
    const log: string[] = [];
    const shutdown = new ShutdownSequence();
    shutdown.add('a', () => void log.push('a'));
    shutdown.add('b', () => void log.push('b'));
    await shutdown.run();
    await shutdown.run();
    expect(log).toEqual(['b', 'a', 'b', 'a']);
  });

  it('tells of each part once it has stopped, by name, in the order they stopped, and not of a part that failed', async () => {
    const heard: string[] = [];
    const shutdown = new ShutdownSequence();
    shutdown.add('store', () => {});
    shutdown.add('bus', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      heard.push('bus still running');
    });
    shutdown.add('server', () => {});
    await shutdown.run((name, ms) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      heard.push(name);
    });
    expect(heard).toEqual(['server', 'bus still running', 'bus', 'store']);

    const failing = new ShutdownSequence();
    const told: string[] = [];
    failing.add('store', () => {});
    failing.add('bus', () => {
      throw new Error('bus would not close');
    });
    await expect(failing.run((name) => told.push(name))).rejects.toThrow('bus would not close');
    expect(told).toEqual([]);
  });
});
