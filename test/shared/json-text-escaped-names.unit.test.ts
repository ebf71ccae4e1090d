import { describe, expect, it } from 'vitest';
import { parseJsonBody } from '../../src/shared/json-text.ts';

const refusal = (text: string): unknown => {
  try {
    parseJsonBody(text);
  } catch (error) {
    return (error as { issues: unknown[] }).issues;
  }
  throw new Error(`accepted ${text}`);
};

const reserved = (pointer: string) => [{ pointer, detail: 'is a reserved member name (__proto__)' }];

/**
 * A member name's raw text is not its name when it holds an escape: JSON.parse reads `"\u005f_proto__"` as an own
 * member `__proto__`, which a zod record or a spread then drops or turns into a prototype (issue 14: a variant
 * named so was silently dropped, 201). The scan must judge the name JSON.parse will use.
 */
describe('parseJsonBody: __proto__ written with escapes', () => {
  it('refuses it wherever the escape is, at the member it names', () => {
    expect(refusal('{"key":"a","variants":{"\\u005f_proto__":"x","b":"y"}}')).toEqual(reserved('#/variants/__proto__'));
    expect(refusal('{"context":{"__proto\\u005f_":{"x":1}}}')).toEqual(reserved('#/context/__proto__'));
    expect(refusal('{"a":[{"\\u005F\\u005F\\u0070roto__":1}]}')).toEqual(reserved('#/a/0/__proto__'));
    expect(refusal('{"\\u005f_proto__":1}')).toEqual(reserved('#/__proto__'));
  });

  it('accepts escaped names that are not __proto__, and __proto__ as an escaped value', () => {
    expect(Object.keys(parseJsonBody('{"\\u005f_proto_":1,"x\\u005f_proto__":2,"\\u005f":3}'))).toEqual(['__proto_', 'x__proto__', '_']);
    expect(parseJsonBody('{"name":"\\u005f_proto__"}')).toEqual({ name: '__proto__' });
  });
});
