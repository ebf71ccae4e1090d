/** One leaf of an event's change: `targeting.rules[0].serve.variant` and its value, written for reading. */
export interface ChangeLine {
  path: string;
  value: string;
}

const NONE = '(none)';

/**
 * An audit entry's change (the event's data) as leaf lines instead of raw JSON: nested objects become dotted
 * paths (the paths flag diffs use), lists of plain values one line (`tags: checkout, ui`), lists of objects one
 * line per item and leaf (`targeting.rules[0].id: beta`). Empty lists and objects read "(none)".
 */
export function changeLines(change: Readonly<Record<string, unknown>>): ChangeLine[] {
  const lines: ChangeLine[] = [];
  if (Object.keys(change).length === 0) return lines;
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value) && value.some((v) => typeof v === 'object' && v !== null)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`));
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) {
      for (const [key, inner] of Object.entries(value)) walk(inner, path ? `${path}.${key}` : key);
    } else {
      lines.push({ path, value: readable(value) });
    }
  };
  walk(change, '');
  return lines;
}

/** A value as a person reads it: strings without quotes, lists comma-separated, nothing as "(none)". */
export function readable(value: unknown): string {
  if (value === undefined) return NONE;
  if (typeof value === 'string') return value === '' ? '""' : value;
  if (Array.isArray(value)) return value.length === 0 ? NONE : value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) return NONE;
  return JSON.stringify(value);
}
