import type { z } from 'zod';
import { ValidationError, pointerOf, type FieldIssue } from '../shared/errors.ts';

/** Parses with a zod schema, turning every issue into a field-level problem with a JSON pointer. */
export function parseWith<Schema extends z.ZodType>(schema: Schema, input: unknown, what = 'request body'): z.infer<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(`The ${what} is invalid`, zodIssues(result.error));
}

export function zodIssues(error: z.ZodError): FieldIssue[] {
  return flatten(error.issues, []);
}

function flatten(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]): FieldIssue[] {
  return issues.flatMap((issue): FieldIssue[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ pointer: pointerOf([...path, key]), detail: 'is not a known field' }));
    }
    if (issue.code === 'invalid_key') {
      // A map's member name is wrong: say what is wrong with the name, at the member.
      return issue.issues.map((inner) => ({ pointer: pointerOf(path), detail: `name ${friendly(inner.message)}` }));
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // "Invalid input" helps nobody: report the alternative the caller evidently meant, the one whose shape
      // fits (no missing or unknown fields) with the fewest problems; on a tie, say what the alternatives are.
      const scored = issue.errors.map((branch) => ({ issues: flatten(branch, path), score: misfit(branch) }));
      const best = Math.min(...scored.map((b) => b.score));
      const closest = scored.filter((b) => b.score === best).map((b) => b.issues);
      if (closest.length === 1) return closest[0]!;
      return [{ pointer: pointerOf(path), detail: `must be one of: ${closest.map(describeBranch).join('; or ')}` }];
    }
    return [{ pointer: pointerOf(path), detail: friendly(issue.message) }];
  });
}

/** How badly a union alternative fits: a missing or unknown field counts far more than a wrong value. */
function misfit(issues: readonly z.core.$ZodIssue[]): number {
  return issues.reduce((score, i) => {
    const shape = (i.code === 'unrecognized_keys' && i.path.length === 0) || (i.code === 'invalid_type' && i.path.length === 1 && /received undefined/.test(i.message));
    return score + (shape ? 1_000 : 1);
  }, 0);
}

function describeBranch(issues: FieldIssue[]): string {
  return issues.map((i) => `${i.pointer.split('/').pop()} ${i.detail}`).join(', ');
}

function friendly(message: string): string {
  return message.replace(/^Invalid input: /, '');
}
