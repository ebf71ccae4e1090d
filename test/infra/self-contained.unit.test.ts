import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The repository stands alone: a clone has no specification beside it, so no file may send a reader to one (the
 * contract is written in docs/: api.md, statistics.md, analytics-schema.md). What counts as pointing outside:
 * naming SPEC.md, STATS.md or STYLE.md, citing "SPEC" (section 4, §6, …), or any relative path that climbs out of
 * the repository (`../shared/…` from the root, a fixture kept beside the checkout): it works on the machine it was
 * written on and nowhere else. `src/shared/` is the kernel, inside: an import of
 * `../shared/errors.ts` from `src/write/` resolves within the repository and is fine.
 */
export interface OutsideReference {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly why: string;
}

const NAMES = /\b(SPEC|STATS|STYLE)\.md\b/;
const SPEC_CITATION = /\bSPEC\b/;
/** A relative path climbing at least one level, up to where a quote, bracket, parenthesis or space ends it. */
const RELATIVE_PATH = /(?:\.\.\/)+[^\s'"`()[\]<>]*/g;

/** Every line of `text` (the file at `file`, relative to `root`) that points outside the repository, and why. */
export function outsideReferences(root: string, file: string, text: string): OutsideReference[] {
  const found: OutsideReference[] = [];
  const directory = path.resolve(root, path.dirname(file));
  text.split('\n').forEach((line, i) => {
    const at = { file, line: i + 1, text: line.trim().slice(0, 160) };
    if (NAMES.test(line)) found.push({ ...at, why: 'names an external document' });
    else if (SPEC_CITATION.test(line)) found.push({ ...at, why: 'cites the external specification' });
    for (const match of line.matchAll(RELATIVE_PATH)) {
      const target = path.resolve(directory, match[0]);
      if (path.relative(root, target).startsWith('..')) found.push({ ...at, why: `${match[0]} leaves the repository` });
    }
  });
  return found;
}

const root = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: import.meta.dirname, encoding: 'utf8' }).trim();
/** This file spells out what it looks for. */
const SELF = 'test/infra/self-contained.unit.test.ts';

/** Tracked files, and new ones not yet added (unless ignored), so a file cannot slip in before its first commit. */
function repositoryFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return [...new Set(listed.split('\0').filter((f) => f !== ''))];
}

function readText(file: string): string | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path.join(root, file));
  } catch {
    return undefined; // deleted in the working tree, or a directory (a submodule): nothing to read
  }
  return bytes.includes(0) ? undefined : bytes.toString('utf8');
}

describe('the repository stands alone', () => {
  it('no file points to a specification outside it', () => {
    const files = repositoryFiles();
    // The listing itself works: the files this test is about are in it.
    expect(files).toEqual(expect.arrayContaining(['README.md', 'ARCHITECTURE.md', 'docs/statistics.md', 'docs/analytics-schema.md', 'src/shared/errors.ts']));
    const offending = files
      .flatMap((file) => {
        const text = file === SELF ? undefined : readText(file);
        return text === undefined ? [] : outsideReferences(root, file, text);
      })
      .map((r) => `${r.file}:${r.line} ${r.why}: ${r.text}`);
    expect(offending).toEqual([]);
  });

  it('recognises each way of pointing outside', () => {
    const check = (file: string, text: string): string[] => outsideReferences('/repo', file, text).map((r) => r.why);
    expect(check('README.md', 'See [the spec](../shared/SPEC.md).')).toEqual(['names an external document', '../shared/SPEC.md leaves the repository']);
    expect(check('src/analytics/stats/srm.ts', '/** STATS.md: a mismatch is declared when p < 0.001. */')).toEqual(['names an external document']);
    expect(check('src/event-store/event-store.ts', ' * Small on purpose (STYLE.md, Emmett)')).toEqual(['names an external document']);
    expect(check('src/evaluation/compile.ts', '  /** SPEC section 4, in its order. */')).toEqual(['cites the external specification']);
    expect(check('infra/up.sh', '# Brings up every real service (SPEC §2)')).toEqual(['cites the external specification']);
    expect(check('test/a/b.test.ts', "import x from '../../../vendor/kernel.ts';")).toEqual(['../../../vendor/kernel.ts leaves the repository']);
    expect(check('docs/api.md', 'the [bucketing vectors](../../shared/bucketing-vectors.json)')).toEqual(['../../shared/bucketing-vectors.json leaves the repository']);
  });

  it('finds any relative path that climbs out, not only through shared', () => {
    expect(outsideReferences('/repo', 'test/support/fixtures.ts', "const data = readFileSync('../../../fixtures/big.json');").map((r) => r.why)).toEqual(['../../../fixtures/big.json leaves the repository']);
  });

  it('lets the kernel be imported, and words that merely contain the letters pass', () => {
    const check = (file: string, text: string): unknown[] => outsideReferences('/repo', file, text);
    expect(check('src/write/flags/flag-decider.ts', "import { ValidationError } from '../../shared/errors.ts';")).toEqual([]);
    expect(check('src/read/read-model.ts', "import type { FlagEvent } from '../shared/flag-events.ts';")).toEqual([]);
    expect(check('test/shared/x.unit.test.ts', "import { kernel } from '../../src/shared/kernel.ts';")).toEqual([]);
    expect(check('src/http/openapi.ts', 'const OPENAPI_SPEC = build(); // the specification of the API, respected')).toEqual([]);
    expect(check('docs/statistics.md', 'The statistics (docs/statistics.md) and the stats engine.')).toEqual([]);
  });
});
