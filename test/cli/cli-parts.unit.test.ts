import { describe, expect, it } from 'vitest';
import { ApiError, UnavailableError, UsageError } from '../../src/cli/cli-errors.ts';
import { renderComparison } from '../../src/cli/commands/analysis-commands.ts';
import { parseVariants } from '../../src/cli/commands/flag-commands.ts';
import { parseContext } from '../../src/cli/context-args.ts';
import { EXIT, exitCodeForStatus } from '../../src/cli/exit-codes.ts';
import { formatNumber, Output, renderTable, type Io } from '../../src/cli/output.ts';
import { renderFailure } from '../../src/cli/problem-output.ts';
import { renderResults } from '../../src/cli/render/results-render.ts';
import { parseSource } from '../../src/cli/source-file.ts';

describe('context parsing', () => {
  it('types numbers and booleans, keeps codes with leading zeros and everything else as strings', () => {
    expect(parseContext(['targetingKey=user-7', 'age=30', 'score=-1.5', 'beta=true', 'trial=false', 'zip=01234', 'version=1.2.3', 'empty=', 'eq=a=b'])).toEqual({
      targetingKey: 'user-7',
      age: 30,
      score: -1.5,
      beta: true,
      trial: false,
      zip: '01234',
      version: '1.2.3',
      empty: '',
      eq: 'a=b',
    });
  });

  it('takes key:=<json> as JSON', () => {
    expect(parseContext(['groups:=["a","b"]', 'plan:="10"', 'n:=null'])).toEqual({ groups: ['a', 'b'], plan: '10', n: null });
  });

  it('refuses pairs without a key or "=", keys given twice, and bad JSON', () => {
    expect(() => parseContext(['country'])).toThrow(UsageError);
    expect(() => parseContext(['=US'])).toThrow(/no key|key=value/);
    expect(() => parseContext(['a=1', 'a=2'])).toThrow(/twice/);
    expect(() => parseContext(['a:={'])).toThrow(/JSON/);
  });
});

describe('variants from the command line', () => {
  it('reads name=value pairs by the flag type, or a JSON object', () => {
    expect(parseVariants('string', ['red=red,blue=1'])).toEqual({ red: 'red', blue: '1' });
    expect(parseVariants('number', ['low=1', 'high=2.5'])).toEqual({ low: 1, high: 2.5 });
    expect(parseVariants('json', ['a={"x":1,"y":2}'])).toEqual({ a: { x: 1, y: 2 } });
    expect(parseVariants('string', ['{"a":"A"}'])).toEqual({ a: 'A' });
    expect(() => parseVariants('string', ['nameonly'])).toThrow(UsageError);
  });
});

describe('exit codes', () => {
  it('maps API statuses to the documented codes', () => {
    expect([200, 201, 400, 401, 403, 413, 415, 422, 404, 410, 409, 412, 428, 500, 502, 503].map(exitCodeForStatus)).toEqual([0, 0, 2, 2, 2, 2, 2, 2, 3, 3, 4, 4, 4, 5, 5, 5]);
  });

  it('carries them on the errors, and anything else is unexpected', () => {
    const { io } = memoryIo();
    const output = new Output(io, false);
    expect(renderFailure(new ApiError('PUT', '/admin/flags/x', { status: 412, title: 'Precondition Failed' }), output)).toBe(EXIT.conflict);
    expect(renderFailure(new UnavailableError('Cannot reach'), output)).toBe(EXIT.unavailable);
    expect(renderFailure(new UsageError('bad'), output)).toBe(EXIT.usage);
    expect(renderFailure(new TypeError('bug'), output)).toBe(EXIT.unexpected);
  });
});

describe('problem rendering', () => {
  it('prints title, detail and each field error with its pointer and its place in the file', async () => {
    const file = await parseSource('targeting.yaml', 'enabled: true\nrules:\n  - id: us\n    conditions:\n      - attribute: country\n        operator: within\n');
    const error = new ApiError('PUT', '/admin/flags/x/environments/production', {
      status: 400,
      title: 'Bad Request',
      detail: 'The request body is invalid',
      errors: [
        { pointer: '#/rules/0/conditions/0/operator', detail: 'must be one of eq, neq' },
        { pointer: '#/defaultServe', detail: 'is required' },
      ],
    });
    error.locate = file.locate;
    const { io, err } = memoryIo();
    expect(renderFailure(error, new Output(io, false))).toBe(EXIT.usage);
    expect(err()).toBe(
      'Error: 400 Bad Request\n  The request body is invalid\n' +
        '  #/rules/0/conditions/0/operator  must be one of eq, neq  (targeting.yaml:6:19)\n' +
        '  #/defaultServe  is required  (targeting.yaml:1:1)\n',
    );
  });

  it('with --json writes the problem itself to stdout', () => {
    const { io, out } = memoryIo();
    const problem = { status: 404, title: 'Not Found', detail: 'Flag x not found' };
    renderFailure(new ApiError('GET', '/admin/flags/x', problem), new Output(io, true));
    expect(JSON.parse(out())).toEqual(problem);
  });
});

describe('tables', () => {
  it('renders a header and rows without separators between rows, nulls as a dash, numbers to 4 digits', () => {
    expect(renderTable(['key', 'value'], [['a', 0.123456], ['bb', null]])).toBe(
      ['┌─────┬────────┐', '│ key │ value  │', '│ a   │ 0.1235 │', '│ bb  │ —      │', '└─────┴────────┘'].join('\n'),
    );
    expect([formatNumber(3), formatNumber(0.00001234), formatNumber(1234.5678)]).toEqual(['3', '1.234e-5', '1235']);
  });

  it('renders experiment results: the SRM warning, rates, lifts with intervals, chance to win, p-values', () => {
    const text = renderResults({
      experimentKey: 'checkout-test',
      status: 'running',
      method: 'frequentist',
      controlVariant: 'off',
      srm: { pValue: 0.0001, observed: { off: 1000, on: 800 }, expected: { off: 0.5, on: 0.5 }, mismatch: true },
      multipleExposures: 3,
      metrics: [
        {
          metricKey: 'purchase',
          kind: 'binomial',
          role: 'primary',
          variants: [{ variant: 'off', units: 1000, mean: 0.1 }, { variant: 'on', units: 800, mean: 0.125 }],
          comparisons: [
            { variant: 'on', baseline: 'off', relativeLift: 0.25, ci: [0.05, 0.45], absoluteLift: 0.025, absoluteCi: [0.005, 0.045], pValue: 0.012, chanceToWin: 0.994, significant: true, verdict: 'improvement' },
          ],
        },
      ],
    });
    expect(text).toContain('WARNING: sample ratio mismatch');
    expect(text).toContain('Units: off 1000, on 800; excluded for multiple exposures: 3');
    expect(text).toMatch(/│ off \(control\) │ 1000 *│ 10\.00% │/);
    expect(text).toMatch(/│ on +│ 800 +│ 12\.50% │ \+25\.00% │ \[\+5\.00%, \+45\.00%\] │ 99\.4% +│ 0\.012 +│ improvement │/);
    expect(text).not.toContain('Note on');
  });

  it('renders the note of a comparison judged on the absolute difference beside its table', () => {
    const note = 'the control mean is 0, so there is no relative effect; the comparison is on the absolute difference instead';
    const text = renderResults({
      experimentKey: 'errors-test',
      status: 'running',
      method: 'frequentist',
      controlVariant: 'off',
      srm: { pValue: 0.5, observed: { off: 1000, on: 1000 }, expected: { off: 0.5, on: 0.5 }, mismatch: false },
      multipleExposures: 0,
      metrics: [
        {
          metricKey: 'errors',
          kind: 'binomial',
          role: 'guardrail',
          variants: [{ variant: 'off', units: 1000, mean: 0 }, { variant: 'on', units: 1000, mean: 0.3 }],
          comparisons: [
            { variant: 'on', baseline: 'off', effect: 'absolute', note, relativeLift: null, ci: [0.27, 0.33], absoluteLift: 0.3, absoluteCi: [0.27, 0.33], pValue: 1e-79, chanceToWin: null, significant: true, verdict: 'regression' },
          ],
        },
      ],
    });
    expect(text).toMatch(/│ on +│ 1000 +│ 30\.00% │ \+0\.3 +│ \[\+0\.27, \+0\.33\] │/);
    expect(text).toContain(`Note on on: ${note}`);
  });

  it('renders the note of a compared pair, and a dash without one', () => {
    const note = 'the relative effect has zero variance (treatment has no variation and a mean of 0); the comparison is on the absolute difference instead';
    const base = { variant: 'treatment', baseline: 'control', status: 'ok', reason: null, effect: 'absolute', absoluteLift: -0.02, absoluteCi: [-0.0287, -0.0113], ci: [-0.0287, -0.0113] };
    expect(renderComparison({ ...base, note })).toMatch(new RegExp(`│ note +│ ${note.replace(/[()]/g, '\\$&')} │`));
    expect(renderComparison({ ...base, note: null })).toMatch(/│ note +│ — +│/);
  });
});

function memoryIo(): { io: Io; out: () => string; err: () => string } {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: process.stdin,
    env: {},
  };
  return { io, out: () => stdout, err: () => stderr };
}
