/** The columns of the audit CSV export, in order. */
const COLUMNS = ['position', 'time', 'entityType', 'entityKey', 'version', 'type', 'actor', 'reason', 'correlationId', 'change'] as const;

type AuditRow = { [K in (typeof COLUMNS)[number]]: unknown };

export function auditCsvHeader(): string {
  return COLUMNS.join(',');
}

/** One audit entry as an RFC 4180 line; the change is its JSON. */
export function auditCsv(entry: AuditRow): string {
  return COLUMNS.map((column) => csvField(entry[column])).join(',');
}

/**
 * RFC 4180 quoting: a field holding a comma, a quote, or a line break is quoted, quotes doubled. A text starting
 * with = + - @ (or a tab or carriage return) is prefixed with a quote mark so spreadsheets do not run it as a
 * formula (OWASP's CSV injection advice): actors and reasons are free text typed by users.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
