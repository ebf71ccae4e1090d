import { describe, expect, it } from 'vitest';
import { structuralDiff } from '../../src/shared/structural-diff.ts';
import { csvField } from '../../src/write/audit/audit-csv.ts';

describe('structuralDiff', () => {
  it('is empty for equal documents, whatever their key order', () => {
    expect(structuralDiff({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
  });

  it('reports added, removed and changed fields at readable paths', () => {
    expect(structuralDiff({ a: 1, gone: true, variants: { 'v1.0': 'x' } }, { a: 2, added: 'y', variants: { 'v1.0': 'z' } })).toEqual([
      { path: 'a', op: 'changed', before: 1, after: 2 },
      { path: 'gone', op: 'removed', before: true },
      { path: 'variants["v1.0"]', op: 'changed', before: 'x', after: 'z' },
      { path: 'added', op: 'added', after: 'y' },
    ]);
  });

  it('matches rules by id: an inserted rule is one addition, a new order one entry', () => {
    const r = (id: string, variant = 'on') => ({ id, serve: { variant } });
    expect(structuralDiff({ rules: [r('a'), r('b')] }, { rules: [r('new'), r('b', 'off'), r('a')] })).toEqual([
      { path: 'rules[id=b].serve.variant', op: 'changed', before: 'on', after: 'off' },
      { path: 'rules[id=new]', op: 'added', after: r('new') },
      { path: 'rules(order)', op: 'changed', before: ['a', 'b'], after: ['b', 'a'] },
    ]);
  });

  it('compares arrays of objects without ids by index, and arrays of values as a whole', () => {
    expect(structuralDiff({ targets: [{ v: 1 }], tags: ['a', 'b'] }, { targets: [{ v: 2 }, { v: 3 }], tags: ['b', 'a'] })).toEqual([
      { path: 'targets[0].v', op: 'changed', before: 1, after: 2 },
      { path: 'targets[1]', op: 'added', after: { v: 3 } },
      { path: 'tags', op: 'changed', before: ['a', 'b'], after: ['b', 'a'] },
    ]);
    expect(structuralDiff(1, 'x')).toEqual([{ path: '(root)', op: 'changed', before: 1, after: 'x' }]);
  });
});

describe('audit CSV fields', () => {
  it('quotes commas, quotes and line breaks, and defuses spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"\nbye')).toBe('"say ""hi""\nbye"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField({ a: [1, 2] })).toBe('"{""a"":[1,2]}"');
    expect(csvField(null)).toBe('');
    expect(csvField(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
    expect(csvField(-3)).toBe('-3');
  });
});
