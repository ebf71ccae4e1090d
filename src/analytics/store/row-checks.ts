import { ValidationError } from '../../shared/errors.ts';
import type { ExposureRow, MetricEventRow } from '../analytics-store.ts';

/**
 * The sink validates events at the edge; the stores still refuse rows they could not store faithfully (an
 * invalid date, a non-finite value), naming the first one, and keep the first of several rows sharing an event id.
 */
export function timestampMs(row: { readonly eventId: string; readonly timestamp: Date }): number {
  const ms = row.timestamp instanceof Date ? row.timestamp.getTime() : Number.NaN;
  if (!Number.isSafeInteger(ms)) throw new ValidationError(`Event ${row.eventId}: invalid timestamp`, [{ pointer: '#/timestamp', detail: 'must be a valid date' }]);
  return ms;
}

export function checkedExposures(rows: readonly ExposureRow[]): { row: ExposureRow; ts: number }[] {
  return unique(rows).map((row) => {
    if (typeof row.eventId !== 'string' || row.eventId.length === 0) throw new ValidationError('Exposure without an event id', [{ pointer: '#/eventId', detail: 'is required' }]);
    if (row.revision !== null && !Number.isSafeInteger(row.revision)) throw new ValidationError(`Exposure ${row.eventId}: invalid revision`, [{ pointer: '#/revision', detail: 'must be an integer or null' }]);
    return { row, ts: timestampMs(row) };
  });
}

export function checkedMetricEvents(rows: readonly MetricEventRow[]): { row: MetricEventRow; ts: number }[] {
  return unique(rows).map((row) => {
    if (typeof row.eventId !== 'string' || row.eventId.length === 0) throw new ValidationError('Metric event without an event id', [{ pointer: '#/eventId', detail: 'is required' }]);
    if (!Number.isFinite(row.value)) throw new ValidationError(`Metric event ${row.eventId}: value must be a finite number`, [{ pointer: '#/value', detail: 'must be a finite number' }]);
    return { row, ts: timestampMs(row) };
  });
}

function unique<T extends { readonly eventId: string }>(rows: readonly T[]): T[] {
  const first = new Map<string, T>();
  for (const row of rows) if (!first.has(row.eventId)) first.set(row.eventId, row);
  return first.size === rows.length ? [...rows] : [...first.values()];
}
