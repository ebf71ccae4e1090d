import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseJsonBody } from '../../src/shared/json-text.ts';

const refusal = (text: string) => {
  try {
    parseJsonBody(text);
  } catch (error) {
    return (error as { issues: unknown[] }).issues;
  }
  throw new Error(`accepted ${text}`);
};

describe('parseJsonBody', () => {
  it('accepts ordinary JSON, paired surrogates (escaped or raw) and nesting up to the limit', () => {
    expect(parseJsonBody('{"a":"\\ud83d\\ude00","b":"😀","c":[1,{"d":null}],"e":"x\\\\u0000"}')).toEqual({ a: '😀', b: '😀', c: [1, { d: null }], e: 'x\\u0000' });
    const nested = `{"a":${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}}`;
    expect(parseJsonBody(nested)).toHaveProperty('a');
    expect(parseJsonBody('{"a":{"x":1},"b":{"x":2},"x":3}')).toEqual({ a: { x: 1 }, b: { x: 2 }, x: 3 });
  });

  it('names the field of a NUL or an unpaired surrogate, in values and in member names', () => {
    expect(refusal('{"rules":[{"conditions":[{},{"values":["ok","a\\u0000"]}]}]}')).toEqual([{ pointer: '#/rules/0/conditions/1/values/1', detail: 'contains NUL (\\u0000)' }]);
    expect(refusal('{"a":["\\ud800x"]}')).toEqual([{ pointer: '#/a/0', detail: 'contains an unpaired surrogate' }]);
    expect(refusal('{"a":"\\udc00"}')).toEqual([{ pointer: '#/a', detail: 'contains an unpaired surrogate' }]);
    expect(refusal('{"a":"\ud800"}')).toEqual([{ pointer: '#/a', detail: 'contains an unpaired surrogate' }]);
    expect(refusal('{"ctx":{"ok":1,"b\\u0000":1}}')).toEqual([{ pointer: '#/ctx', detail: 'has a member name that contains NUL (\\u0000)' }]);
  });

  it('refuses nesting beyond the limit at the container that goes too deep', () => {
    const issues = refusal(`{"a":${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}}`) as { pointer: string }[];
    expect(issues[0]!.pointer).toBe(`#/a${'/0'.repeat(MAX_JSON_DEPTH - 1)}`);
  });

  it('refuses a member given twice, however it is spelt and however large the object', () => {
    expect(refusal('{"a":1,"b":2,"a":3}')).toEqual([{ pointer: '#/a', detail: 'is given more than once' }]);
    expect(refusal('{"x":{"é":1,"\\u00e9":2}}')).toEqual([{ pointer: '#/x/é', detail: 'is given more than once' }]);
    const many = Array.from({ length: 100 }, (_, i) => `"k${i}":${i}`).join(',');
    expect(parseJsonBody(`{${many}}`)).toHaveProperty('k99', 99);
    expect(refusal(`{"m":{${many},"k7":0}}`)).toEqual([{ pointer: '#/m/k7', detail: 'is given more than once' }]);
    expect(refusal(`{"m":{${many}},"n":{"k1":1,"k1":2}}`)).toEqual([{ pointer: '#/n/k1', detail: 'is given more than once' }]);
  });

  it('refuses __proto__ as a member name, and bodies that are not objects', () => {
    expect(refusal('{"variants":{"__proto__":"x"}}')).toEqual([{ pointer: '#/variants/__proto__', detail: 'is a reserved member name (__proto__)' }]);
    expect(refusal('null')).toEqual([{ pointer: '#', detail: 'must be a JSON object, not null' }]);
    expect(refusal('[1]')).toEqual([{ pointer: '#', detail: 'must be a JSON object, not an array' }]);
    expect(refusal('{"a":')).toEqual([{ pointer: '#', detail: 'is not valid JSON' }]);
  });
});
