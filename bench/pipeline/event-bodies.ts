import { Buffer } from 'node:buffer';

/**
 * Request bodies for `POST /api/v1/events`, built once so the load generator costs almost nothing: each template
 * is a complete JSON body of EVENTS_PER_REQUEST events whose event ids and timestamps are fixed-width
 * placeholders. `stamp` copies a template and writes, at the recorded byte offsets, the request's sequence
 * number into every event id (so every event ever sent is distinct) and the request's send time into every
 * timestamp (so ClickHouse's `ts` column says when each event left the generator, to the millisecond).
 *
 * The mix is what an application with one running experiment sends: 40% exposures (the experiment's flag, a
 * variant, the revision, as server-side evaluations record them) and 60% metric events (`page_view` without a
 * value, `add_to_cart`, `purchase` with whole-cent amounts), over 200,000 units, shuffled.
 */
export const EVENTS_PER_REQUEST = 10_000;
export const EXPOSURE_SHARE = 0.4;
const UNITS = 200_000;
const EXPERIMENT_KEY = 'checkout-test';
const FLAG_KEY = 'new-checkout';

/** `e<sequence, 9 digits>-<index in the body, 5 digits>`: 16 characters, the sequence at a fixed place. */
const SEQUENCE_DIGITS = 9;
const ID_PLACEHOLDER = `e${'0'.repeat(SEQUENCE_DIGITS)}-`;
/** An ISO 8601 timestamp with milliseconds and a four-digit year is always 24 characters. */
const TIMESTAMP_PLACEHOLDER = '2000-01-01T00:00:00.000Z';

export interface BodyTemplate {
  readonly body: Buffer;
  /** Byte offsets of each event id's sequence digits, and of each timestamp. */
  readonly sequenceOffsets: Int32Array;
  readonly timestampOffsets: Int32Array;
  readonly exposures: number;
  readonly metricEvents: number;
  /** The Kafka records the ingest makes of these events (the same JSON), for the raw producer baseline. */
  readonly records: { exposures: { key: string; value: string }[]; metrics: { key: string; value: string }[] };
}

/** mulberry32: the same bodies on every run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Event = Record<string, unknown> & { type: 'exposure' | 'metric'; unitId: string };

function events(random: () => number): Event[] {
  const list: Event[] = [];
  const exposures = Math.round(EVENTS_PER_REQUEST * EXPOSURE_SHARE);
  for (let i = 0; i < EVENTS_PER_REQUEST; i++) {
    const unitId = `user-${Math.floor(random() * UNITS)}`;
    const eventId = `${ID_PLACEHOLDER}${String(i).padStart(5, '0')}`;
    if (i < exposures) {
      const variant = random() < 0.5 ? 'off' : 'on';
      list.push({ type: 'exposure', eventId, flagKey: FLAG_KEY, experimentKey: EXPERIMENT_KEY, variant, unitId, revision: 42, timestamp: TIMESTAMP_PLACEHOLDER });
    } else {
      const r = random();
      const name = r < 0.6 ? 'page_view' : r < 0.85 ? 'add_to_cart' : 'purchase';
      const value = name === 'purchase' ? (500 + Math.floor(random() * 10_000)) / 100 : undefined;
      list.push({ type: 'metric', eventId, name, unitId, ...(value === undefined ? {} : { value }), timestamp: TIMESTAMP_PLACEHOLDER });
    }
  }
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

/** `count` different bodies (different units and order), each EVENTS_PER_REQUEST events. */
export function bodyTemplates(count: number, environment: string, seed = 7): BodyTemplate[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const list = events(random);
    const json = JSON.stringify({ events: list });
    const body = Buffer.from(json, 'latin1');
    const sequenceOffsets = new Int32Array(list.length);
    const timestampOffsets = new Int32Array(list.length);
    // Every character is ASCII, so string indexes are byte offsets.
    let from = 0;
    for (let i = 0; i < list.length; i++) {
      const id = json.indexOf(`"eventId":"${ID_PLACEHOLDER}`, from);
      const ts = json.indexOf(`"timestamp":"${TIMESTAMP_PLACEHOLDER}"`, id);
      if (id < 0 || ts < 0) throw new Error(`event ${i}: placeholder not found`);
      sequenceOffsets[i] = id + '"eventId":"e'.length;
      timestampOffsets[i] = ts + '"timestamp":"'.length;
      from = ts;
    }
    const exposures = list.filter((e) => e.type === 'exposure').length;
    const records = {
      exposures: list.filter((e) => e.type === 'exposure').map((e) => ({ key: e.unitId, value: JSON.stringify({ ...e, environment }) })),
      metrics: list.filter((e) => e.type === 'metric').map((e) => ({ key: e.unitId, value: JSON.stringify(e) })),
    };
    return { body, sequenceOffsets, timestampOffsets, exposures, metricEvents: list.length - exposures, records };
  });
}

/**
 * A fresh body from a template: every event id gets `sequence`, every timestamp `sentAtMs`. A copy and 20,000
 * small writes: about a millisecond for a 2 MB body.
 */
export function stamp(template: BodyTemplate, sequence: number, sentAtMs: number): Buffer {
  const body = Buffer.allocUnsafe(template.body.length);
  template.body.copy(body);
  const digits = Buffer.from(String(sequence).padStart(SEQUENCE_DIGITS, '0'), 'latin1');
  if (digits.length !== SEQUENCE_DIGITS) throw new Error(`sequence ${sequence} does not fit ${SEQUENCE_DIGITS} digits`);
  const timestamp = Buffer.from(new Date(sentAtMs).toISOString(), 'latin1');
  for (let i = 0; i < template.sequenceOffsets.length; i++) {
    body.set(digits, template.sequenceOffsets[i]!);
    body.set(timestamp, template.timestampOffsets[i]!);
  }
  return body;
}
