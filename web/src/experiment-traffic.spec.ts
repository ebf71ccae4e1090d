import { describe, expect, it } from 'vitest';
import { runningExperiments, starvedExperiments } from './experiment-traffic.ts';

const experiment = (key: string, flagKey: string, environment: string, status: 'draft' | 'running' | 'stopped' | 'concluded') => ({ key, flagKey, environment, status });

const experiments = [
  experiment('checkout-test', 'new-checkout', 'production', 'running'),
  experiment('checkout-staging', 'new-checkout', 'staging', 'draft'),
  experiment('old-test', 'new-checkout', 'development', 'concluded'),
  experiment('paused', 'new-checkout', 'development', 'stopped'),
  experiment('banner-test', 'banner', 'production', 'running'),
];

describe('runningExperiments', () => {
  it('finds the experiment running on a flag in an environment, and nothing else', () => {
    const running = runningExperiments(experiments);
    expect(running.on('new-checkout', 'production')?.key).toBe('checkout-test');
    expect(running.on('banner', 'production')?.key).toBe('banner-test');
    expect(running.on('new-checkout', 'staging')).toBeUndefined(); // a draft
    expect(running.on('new-checkout', 'development')).toBeUndefined(); // stopped and concluded
    expect(running.on('unknown', 'production')).toBeUndefined();
  });
});

describe('starvedExperiments', () => {
  it('names running and draft experiments whose environment has the flag off', () => {
    const starved = starvedExperiments(experiments, 'new-checkout', { production: false, staging: false, development: false });
    expect(starved.map((e) => e.key)).toEqual(['checkout-test', 'checkout-staging']);
  });

  it('names none where the flag is on, and counts an unknown environment as off', () => {
    expect(starvedExperiments(experiments, 'new-checkout', { production: true, staging: true })).toEqual([]);
    expect(starvedExperiments(experiments, 'new-checkout', { production: true }).map((e) => e.key)).toEqual(['checkout-staging']);
    expect(starvedExperiments(experiments, 'banner', { production: true })).toEqual([]);
  });
});
