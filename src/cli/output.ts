import Table from 'cli-table3';

/** Where a command writes: injected, so commands run the same under the binary and in tests. */
export interface Io {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Human text by default; with `--json` exactly the API's JSON on stdout, for scripts. */
export class Output {
  constructor(
    readonly io: Io,
    readonly json: boolean,
  ) {}

  /** A line (or block) for people; suppressed with --json so stdout stays parseable. */
  line(text = ''): void {
    if (!this.json) this.io.stdout.write(`${text}\n`);
  }

  /** The machine answer: only with --json. */
  data(value: unknown): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Progress and notices: stderr, so they never mix with what a script reads. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }
}

export type Cell = string | number | boolean | null | undefined;

/** A borderless-between-rows table, no colours (output is often piped), cells rendered by `cell`. */
export function renderTable(head: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const table = new Table({
    head: [...head],
    style: { head: [], border: [], compact: true },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of rows) table.push(row.map(cell));
  return table.toString();
}

/** A two-column table of labels and values, for one object (a comparison, a flag's summary). */
export function renderPairs(pairs: readonly (readonly [string, Cell])[]): string {
  const table = new Table({ style: { head: [], border: [], compact: true }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
  for (const [label, value] of pairs) table.push([label, cell(value)]);
  return table.toString();
}

export function cell(value: Cell): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return formatNumber(value);
  return String(value);
}

/** Four significant digits: enough to read a mean or a p-value, short enough for a table. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e9)) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

export function percent(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const text = `${(value * 100).toFixed(digits)}%`;
  return value > 0 ? `+${text}` : text;
}

/** A short, one-line rendering of any JSON value for a table cell. */
export function brief(value: unknown, max = 60): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
