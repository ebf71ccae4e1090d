import type { EvaluationResult } from '../evaluation/evaluation-result.ts';
import { exposureOf } from '../evaluation/exposure.ts';
import type { EventBus } from '../shared/event-bus.ts';
import type { ExposureEvent } from '../shared/tracked-events.ts';

/**
 * Exposures from server-side evaluations: recorded without waiting (evaluation latency must not depend on the
 * bus), published in batches, retried with backoff while the bus is down, and flushed on close. The buffer is
 * bounded; what it had to drop is counted, never silently lost.
 */
export class ExposurePublisher {
  private buffer: ExposureEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private failures = 0;
  dropped = 0;
  published = 0;

  constructor(
    private readonly bus: EventBus,
    private readonly options: { flushIntervalMs?: number; maxBatch?: number; maxBuffered?: number; onError?: (error: unknown) => void } = {},
  ) {}

  record(result: EvaluationResult, unitId: string, environment: string): void {
    if (result.experimentKey === undefined || result.variant === undefined) return;
    if (this.buffer.length >= (this.options.maxBuffered ?? 100_000)) {
      this.dropped++;
      return;
    }
    this.buffer.push(exposureOf(result, result.variant, unitId, environment));
    if (this.buffer.length >= (this.options.maxBatch ?? 1_000)) void this.flush();
    else this.schedule(this.options.flushIntervalMs ?? 200);
  }

  /** Publishes everything buffered; resolves when the bus has it (or the attempt failed and was rescheduled). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      while (this.buffer.length > 0) {
        const batch = this.buffer.slice(0, this.options.maxBatch ?? 1_000);
        try {
          await this.bus.publish('exposures', batch.map((event) => ({ key: event.unitId, value: JSON.stringify(event) })));
        } catch (error) {
          this.failures++;
          this.options.onError?.(error);
          this.schedule(Math.min(10_000, 100 * 2 ** Math.min(this.failures, 7)));
          return;
        }
        this.failures = 0;
        this.buffer.splice(0, batch.length);
        this.published += batch.length;
      }
    });
    return this.flushing;
  }

  get pending(): number {
    return this.buffer.length;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private schedule(delayMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
    this.timer.unref();
  }
}
