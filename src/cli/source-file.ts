import { readFile } from 'node:fs/promises';
import { UsageError } from './cli-errors.ts';

/** A YAML or JSON file, parsed, that can say where in it a JSON pointer points (`file.yaml:7:9`). */
export interface SourceFile {
  readonly path: string;
  readonly value: unknown;
  locate(pointer: string): string | undefined;
}

/** JSON is YAML, so one parser reads both; its positions let problems name the line that caused them. */
export async function readSourceFile(path: string): Promise<SourceFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseSource(path, text);
}

/** Only commands that read a file load the YAML parser (a third of the CLI's start-up otherwise). */
export async function parseSource(path: string, text: string): Promise<SourceFile> {
  const { isNode, LineCounter, parseDocument } = await import('yaml');
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const where = lineCounter.linePos(first.pos[0]);
    throw new UsageError(`${path}:${where.line}:${where.col}: ${first.message.split('\n')[0]}`);
  }
  const value: unknown = document.toJS({ maxAliasCount: 100 });
  return {
    path,
    value,
    locate(pointer) {
      const segments = pointerSegments(pointer);
      // A missing field has no node: point at the nearest enclosing one that exists.
      for (let length = segments.length; length >= 0; length--) {
        const node: unknown = document.getIn(segments.slice(0, length), true);
        if (isNode(node) && node.range) {
          const where = lineCounter.linePos(node.range[0]);
          return `${path}:${where.line}:${where.col}`;
        }
      }
      return undefined;
    },
  };
}

/** `#/rules/0/id` → ['rules', 0, 'id']; RFC 6901 escapes undone. */
export function pointerSegments(pointer: string): (string | number)[] {
  const body = pointer.replace(/^#/, '');
  if (body === '' || body === '/') return [];
  return body
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^(0|[1-9]\d*)$/.test(part) ? Number(part) : part));
}
