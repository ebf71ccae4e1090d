import type { z } from 'zod';
import { ValidationError, pointerOf, type FieldIssue } from '../shared/errors.ts';

/** Parses with a zod schema, turning every issue into a field-level problem with a JSON pointer. */
export function parseWith<Schema extends z.ZodType>(schema: Schema, input: unknown, what = 'request body'): z.infer<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(`The ${what} is invalid`, zodIssues(result.error));
}

export function zodIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ pointer: pointerOf([...issue.path, key]), detail: 'is not a known field' }));
    }
    return [{ pointer: pointerOf(issue.path), detail: friendly(issue.message) }];
  });
}

function friendly(message: string): string {
  return message.replace(/^Invalid input: /, '');
}
