import type { FieldIssue } from './api.ts';

/** Errors placed on the form: by the pointer of the field that shows them, and those no field can show. */
export interface PlacedErrors {
  byField: ReadonlyMap<string, string[]>;
  unplaced: FieldIssue[];
}

/**
 * Places each problem on the deepest field the form shows: `#/rules/0/conditions/1/values/0` goes to the values
 * input of that condition when the form has one for `#/rules/0/conditions/1/values`, else to the condition, the
 * rule, ... A problem whose pointer no field covers (or `#`, the whole body) is left for the form's summary.
 */
export function placeErrors(issues: readonly FieldIssue[], fields: Iterable<string>): PlacedErrors {
  const known = new Set(fields);
  const byField = new Map<string, string[]>();
  const unplaced: FieldIssue[] = [];
  for (const issue of issues) {
    const field = nearestField(issue.pointer, known);
    if (field === null) {
      unplaced.push(issue);
      continue;
    }
    const rest = normalise(issue.pointer).slice(field.length).replace(/^\//, '');
    // A problem deeper than the field says where inside it: the third of a list of values is "value 3".
    const where = /^\d+$/.test(rest) ? `value ${Number(rest) + 1}` : rest.replace(/\//g, ' › ');
    const detail = rest ? `${where}: ${issue.detail}` : issue.detail;
    byField.set(field, [...(byField.get(field) ?? []), detail]);
  }
  return { byField, unplaced };
}

function nearestField(pointer: string, known: ReadonlySet<string>): string | null {
  const parts = normalise(pointer).split('/');
  for (let n = parts.length; n > 1; n--) {
    const candidate = parts.slice(0, n).join('/');
    if (known.has(candidate)) return candidate;
  }
  return null;
}

/** Pointers arrive as URI fragments (`#/a/b`); fields are registered the same way. */
function normalise(pointer: string): string {
  return pointer.startsWith('#') ? pointer : `#${pointer.startsWith('/') ? '' : '/'}${pointer}`;
}

/** A DOM id for the input of a pointer, so an error can name its input (`aria-describedby`) and be focused. */
export function fieldId(pointer: string): string {
  return `field${pointer.replace(/^#/, '').replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

/** Builds pointers the way the server does (RFC 6901 escaping of ~ and /). */
export function pointer(...path: (string | number)[]): string {
  return `#${path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('')}`;
}
