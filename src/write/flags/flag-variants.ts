import { issue, type FieldIssue } from '../../shared/errors.ts';
import type { FlagType, Variants } from '../../shared/flag-events.ts';
import { KEY_PATTERN } from '../../shared/keys.ts';

export const BOOLEAN_VARIANTS: Variants = { on: true, off: false };
const MAX_VARIANTS = 100;

/** Checks that variant names are keys and values fit the flag's type; `path` prefixes the pointers. */
export function variantIssues(type: FlagType, variants: Variants, path: PropertyKey[] = ['variants']): FieldIssue[] {
  const names = Object.keys(variants);
  if (names.length === 0) return [issue(path, 'must declare at least one variant')];
  if (names.length > MAX_VARIANTS) return [issue(path, `must declare at most ${MAX_VARIANTS} variants`)];
  if (type === 'boolean') {
    const exact = names.length === 2 && variants['on'] === true && variants['off'] === false;
    return exact ? [] : [issue(path, 'a boolean flag has exactly the variants {"on": true, "off": false}')];
  }
  const issues: FieldIssue[] = [];
  for (const name of names) {
    if (!KEY_PATTERN.test(name)) issues.push(issue([...path, name], 'variant names must match ^[a-z0-9][a-z0-9._-]{0,127}$'));
    const value = variants[name];
    const fits =
      type === 'string'
        ? typeof value === 'string'
        : type === 'number'
          ? typeof value === 'number' && Number.isFinite(value)
          : typeof value === 'object' && value !== null;
    if (!fits) issues.push(issue([...path, name], `must be a ${type === 'json' ? 'JSON object or array' : type} for a ${type} flag`));
  }
  return issues;
}
