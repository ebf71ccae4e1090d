import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { experimentOperations } from '../../src/experiments/experiment-routes.ts';
import { concludeExperimentBody, restartExperimentBody } from '../../src/experiments/experiment-schemas.ts';
import { parseWith } from '../../src/http/validation.ts';
import type { FieldIssue } from '../../src/shared/errors.ts';

const issuesOf = (parse: () => unknown): readonly FieldIssue[] => {
  try {
    parse();
  } catch (error) {
    return (error as { issues: readonly FieldIssue[] }).issues;
  }
  throw new Error('it parsed');
};
const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });

describe('the bodies of restart and conclude, as the admin app parses them', () => {
  const restart = experimentOperations.restartExperiment.body.schema;
  const conclude = experimentOperations.concludeExperiment.body.schema;

  it('read a request without a body as {}: the 400 names the missing field', () => {
    expect(issuesOf(() => parseWith(restart, undefined))).toEqual([{ pointer: '#/rerandomize', detail: 'expected boolean, received undefined' }]);
    expect(issuesOf(() => parseWith(conclude, undefined))).toEqual([{ pointer: '#/winningVariant', detail: 'expected string, received undefined' }]);
  });

  it('parse a body that is there as the command schemas do', () => {
    expect(parseWith(restart, { rerandomize: true })).toEqual({ rerandomize: true });
    expect(parseWith(conclude, { winningVariant: null })).toEqual({ winningVariant: null });
    expect(issuesOf(() => parseWith(restart, { rerandomize: true, extra: 1 }))).toEqual([{ pointer: '#/extra', detail: 'is not a known field' }]);
  });

  it('are documented as the command schemas themselves', () => {
    expect(jsonSchema(restart)).toEqual(jsonSchema(restartExperimentBody));
    expect(jsonSchema(conclude)).toEqual(jsonSchema(concludeExperimentBody));
  });
});
