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
    shutdown.add(slow('tracing'));
    shutdown.add(() => void log.push('store'));
    shutdown.add(slow('server'));
    await shutdown.run();
    expect(log).toEqual(['server begins', 'server ends', 'store', 'tracing begins', 'tracing ends']);
  });

  it('runs stops that finish at once in the same turn, as straight code would', async () => {
    const log: string[] = [];
    const shutdown = new ShutdownSequence();
    shutdown.add(() => void log.push('second'));
    shutdown.add(() => void log.push('first'));
    const running = shutdown.run();
    expect(log).toEqual(['first', 'second']);
    await running;
  });

  it('ends with the error of a failing stop, leaving the later ones alone', async () => {
    const log: string[] = [];
    const shutdown = new ShutdownSequence();
    shutdown.add(() => void log.push('store'));
    shutdown.add(async () => {
      throw new Error('bus would not close');
    });
    shutdown.add(() => void log.push('server'));
    await expect(shutdown.run()).rejects.toThrow('bus would not close');
    expect(log).toEqual(['server']);
  });

  it('goes through the whole sequence again on a second run', async () => {
    const log: string[] = [];
    const shutdown = new ShutdownSequence();
    shutdown.add(() => void log.push('a'));
    shutdown.add(() => void log.push('b'));
    await shutdown.run();
    await shutdown.run();
    expect(log).toEqual(['b', 'a', 'b', 'a']);
  });
});
