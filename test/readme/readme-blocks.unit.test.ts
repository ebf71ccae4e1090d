import { describe, expect, it } from 'vitest';
import { containsOutput, endsWithAnswer, isAnswer, readmeBlocks, shellSteps, typescriptAnswers } from './readme-blocks.ts';

const fence = '```';

describe('reading the README’s code blocks', () => {
  it('finds every block in order with its kind, line and marker', () => {
    const blocks = readmeBlocks(
      [
        '# Title',
        `${fence}sh`,
        'echo one',
        fence,
        '<!-- readme-test: not-run start: runs in the foreground -->',
        '',
        `${fence}text`,
        'banner',
        fence,
        '<!-- readme-test: until-answered: results arrive later -->',
        `${fence}ts`,
        'console.log(1)',
        fence,
        fence,
        'src/  the code',
        fence,
      ].join('\n'),
    );
    expect(blocks.map(({ line, kind, marker }) => ({ line, kind, marker }))).toEqual([
      { line: 2, kind: 'shell', marker: undefined },
      { line: 7, kind: 'output', marker: { type: 'not-run', id: 'start', reason: 'runs in the foreground' } },
      { line: 11, kind: 'typescript', marker: { type: 'until-answered', reason: 'results arrive later' } },
      { line: 14, kind: 'output', marker: undefined },
    ]);
    expect(blocks[0]!.code).toBe('echo one');
  });

  it('refuses a marker without a reason, a stray marker, an unknown kind and an unclosed block', () => {
    expect(() => readmeBlocks(`<!-- readme-test: not-run start -->\n${fence}sh\nx\n${fence}`)).toThrow(/must be/);
    expect(() => readmeBlocks('<!-- readme-test: until-answered: later -->\nsome prose\n')).toThrow(/not followed by a code block/);
    expect(() => readmeBlocks(`${fence}python\nx\n${fence}`)).toThrow(/unknown kind "python"/);
    expect(() => readmeBlocks(`${fence}sh\nx\n`)).toThrow(/never closes/);
  });

  it('cuts a shell block after each answer, joining continued answer lines', () => {
    const [block] = readmeBlocks(
      [`${fence}sh`, 'export A=1', 'curl one', '# → {"a":1,', '#    "b":2}', '# a plain comment', 'curl two', '# → ok', 'curl three', fence].join('\n'),
    );
    expect(shellSteps(block!)).toEqual([
      { code: 'export A=1\ncurl one', answer: '{"a":1,"b":2}', line: 4 },
      { code: '# a plain comment\ncurl two', answer: 'ok', line: 8 },
      { code: 'curl three', answer: undefined, line: 1 },
    ]);
    expect(() => shellSteps(readmeBlocks(`${fence}sh\n# just a comment\n# → 1\n${fence}`)[0]!)).toThrow(/no command before it/);
  });

  it('reads a TypeScript block’s answers in order', () => {
    const [block] = readmeBlocks([`${fence}ts`, 'console.log(a); // → true', 'console.log(b);', '// → {"x":1,', '//    "y":2}', fence].join('\n'));
    expect(typescriptAnswers(block!)).toEqual([
      { answer: 'true', line: 2 },
      { answer: '{"x":1,"y":2}', line: 4 },
    ]);
  });
});

describe('comparing answers', () => {
  it('matches literally, with … as a wildcard, at the end of the output', () => {
    expect(endsWithAnswer('{"a":1,"b":0.7073123}', '{"a":1,"b":0.7073…}')).toBe(true);
    expect(endsWithAnswer('{"id":"x"}{"a":1}\n', '{"a":1}')).toBe(true);
    expect(endsWithAnswer('{"a":2}', '{"a":1}')).toBe(false);
    expect(endsWithAnswer('{"a":1}{"b":2}', '{"a":1}')).toBe(false);
    expect(endsWithAnswer('{"a":1.5}', '{"a":1.…}')).toBe(true);
    expect(endsWithAnswer('{"a":(1)}', '{"a":(1)}')).toBe(true); // regex characters are literal
    expect(isAnswer('true', 'true')).toBe(true);
    expect(isAnswer('true!', 'true')).toBe(false);
    expect(isAnswer('{"value":true,"reason":"SPLIT"}', '{"value":true,…}')).toBe(true);
  });

  it('finds a sample of output, line by line, inside what was printed', () => {
    expect(containsOutput('log\nFirst start:\n\n  fs_admin_abc\n', 'First start:\n\n  fs_admin_…')).toBe(true);
    expect(containsOutput('log\nFirst start:\n  fs_admin_abc\n', 'First start:\n\n  fs_admin_…')).toBe(false);
  });
});
