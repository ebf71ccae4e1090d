import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SOURCES = ['src', 'test', 'bench', 'bin', 'infra', 'web/src'];

function* codeFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') yield* codeFiles(full);
    } else if (/\.(ts|tsx|js|mjs|sh|md)$/.test(entry.name)) yield full;
  }
}

// A clone on another machine has only the repository: a relative path that climbs out of it (a fixture kept
// beside the checkout) works on the machine it was written on and nowhere else.
describe('the repository is self-contained', () => {
  it('names no file through a relative path that leaves the repository, in code or documentation', () => {
    const escaping: string[] = [];
    const files = [path.join(ROOT, 'README.md'), ...SOURCES.flatMap((source) => [...codeFiles(path.join(ROOT, source))])];
    {
      for (const file of files) {
        for (const match of readFileSync(file, 'utf8').matchAll(/['"`]((?:\.\.\/)+[^'"`\s]*)['"`]/g)) {
          const target = path.resolve(path.dirname(file), match[1] ?? '');
          if (path.relative(ROOT, target).startsWith('..')) escaping.push(`${path.relative(ROOT, file)}: ${match[1]}`);
        }
      }
    }
    expect(escaping).toEqual([]);
  });
});
