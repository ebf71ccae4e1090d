import { UsageError } from './cli-errors.ts';

/**
 * Evaluation context from `--context` arguments:
 * - `k=v` infers the type: `true`/`false` are booleans, decimal numbers are numbers, anything else a string.
 *   Numbers with a leading zero (`zip=01234`) stay strings: they are codes, not quantities.
 * - `k:=<json>` takes the value as JSON, for arrays, objects, or a string that looks like a number (`plan:='"10"'`).
 * A key given twice is an error rather than a silent overwrite.
 */
export function parseContext(pairs: readonly string[]): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  for (const pair of pairs) {
    const json = /^([^=:]+):=(.*)$/s.exec(pair);
    const plain = /^([^=]+)=(.*)$/s.exec(pair);
    const match = json ?? plain;
    if (!match) throw new UsageError(`--context ${JSON.stringify(pair)} must be key=value (or key:=<json>)`);
    const key = match[1]!.trim();
    if (key === '') throw new UsageError(`--context ${JSON.stringify(pair)} has no key`);
    if (Object.hasOwn(context, key)) throw new UsageError(`--context gives ${key} twice`);
    context[key] = json ? parseJsonValue(key, match[2]!) : inferScalar(match[2]!);
  }
  return context;
}

export function inferScalar(text: string): string | number | boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)) {
    const number = Number(text);
    if (Number.isFinite(number)) return number;
  }
  return text;
}

function parseJsonValue(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--context ${key}:= must be followed by JSON, not ${JSON.stringify(text)}`);
  }
}
