import type { TrackedEvent } from '../../src/shared/tracked-events.ts';
import { mulberry32 } from '../analytics/store/analytics-dataset.ts';

export interface SyntheticExperiment {
  readonly events: TrackedEvent[];
  readonly exposureCount: number;
  readonly metricEventCount: number;
  /** What the analysis must find, computed here independently of any store. */
  readonly expected: {
    units: Record<string, number>;
    multipleExposures: number;
    conversions: Record<string, number>;
    revenue: Record<string, number>;
    revenueSquares: Record<string, number>;
  };
  batches(size: number): TrackedEvent[][];
}

/**
 * An experiment's worth of events with known answers: units split over `off`/`on` with the given conversion
 * rates; converting units buy once or twice (whole-cent amounts, so sums are exact); every unit has a second
 * exposure to the same variant; 1% of units also saw the other variant (and must be excluded); some events
 * happen before the unit's exposure (and must not count).
 */
export function syntheticExperiment(options: {
  units: number;
  seed: number;
  startedAt: Date;
  conversion: Record<'off' | 'on', number>;
  experimentKey?: string;
  flagKey?: string;
}): SyntheticExperiment {
  const random = mulberry32(options.seed);
  const experimentKey = options.experimentKey ?? 'checkout-test';
  const flagKey = options.flagKey ?? 'new-checkout';
  const start = options.startedAt.getTime();
  const at = (ms: number): string => new Date(ms).toISOString();
  const events: TrackedEvent[] = [];
  const expected = {
    units: { off: 0, on: 0 } as Record<string, number>,
    multipleExposures: 0,
    conversions: { off: 0, on: 0 } as Record<string, number>,
    revenue: { off: 0, on: 0 } as Record<string, number>,
    revenueSquares: { off: 0, on: 0 } as Record<string, number>,
  };
  let exposures = 0;
  let metricEvents = 0;
  for (let i = 0; i < options.units; i++) {
    const unitId = `unit-${options.seed}-${i}`;
    const variant = random() < 0.5 ? 'off' : 'on';
    // Within half an hour of the start: the server refuses events more than an hour ahead of its clock.
    const exposedAt = start + 1_000 + Math.floor(random() * 1_800_000);
    const exposure = (n: number, v: string, time: number): TrackedEvent => ({
      type: 'exposure',
      eventId: `x-${unitId}-${n}`,
      flagKey,
      experimentKey,
      variant: v,
      unitId,
      timestamp: at(time),
    });
    events.push(exposure(1, variant, exposedAt), exposure(2, variant, exposedAt + 60_000));
    exposures += 2;
    const confused = random() < 0.01;
    if (confused) {
      events.push(exposure(3, variant === 'off' ? 'on' : 'off', exposedAt + 120_000));
      exposures++;
      expected.multipleExposures++;
    }
    // A purchase before the exposure: never counts.
    if (random() < 0.2) {
      events.push({ type: 'metric', eventId: `early-${unitId}`, name: 'purchase', unitId, value: 99, timestamp: at(exposedAt - 5_000) });
      metricEvents++;
    }
    let unitRevenue = 0;
    const converted = random() < options.conversion[variant as 'off' | 'on'];
    if (converted) {
      const purchases = random() < 0.3 ? 2 : 1;
      for (let p = 0; p < purchases; p++) {
        const cents = 500 + Math.floor(random() * 10_000);
        unitRevenue += cents / 100;
        events.push({ type: 'metric', eventId: `buy-${unitId}-${p}`, name: 'purchase', unitId, value: cents / 100, timestamp: at(exposedAt + 10_000 + p * 1_000) });
        metricEvents++;
      }
    }
    if (confused) continue;
    expected.units[variant]!++;
    if (converted) {
      expected.conversions[variant]!++;
      expected.revenue[variant]! += unitRevenue;
      expected.revenueSquares[variant]! += unitRevenue * unitRevenue;
    }
  }
  // Shuffle, so the stores see events out of time order, as real ingestion does.
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [events[i], events[j]] = [events[j]!, events[i]!];
  }
  return {
    events,
    exposureCount: exposures,
    metricEventCount: metricEvents,
    expected,
    batches: (size) => Array.from({ length: Math.ceil(events.length / size) }, (_, k) => events.slice(k * size, (k + 1) * size)),
  };
}
