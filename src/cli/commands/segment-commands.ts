import type { Command } from 'commander';
import { CliError, UsageError } from '../cli-errors.ts';
import { contextFor, currentVersion, path, positiveInteger } from '../cli-context.ts';
import type { Io } from '../output.ts';
import { brief, renderPairs, renderTable } from '../output.ts';
import { readSourceFile, type SourceFile } from '../source-file.ts';

export interface SegmentResource {
  key: string;
  description: string;
  conditions: { attribute?: string; operator: string; values: unknown[] }[];
  included: string[];
  excluded: string[];
  archived: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
  updatedBy: string | null;
}

const DEFINITION_HELP = 'segment.yaml or segment.json: description, conditions, included, excluded';

/** Segments: reusable audiences that rules and experiments name with in_segment / not_in_segment. */
export function segmentCommands(program: Command, io: Io): void {
  const segments = program.command('segments').description('reusable audiences: conditions, plus units always included or excluded');

  segments
    .command('list')
    .description('every segment, archived ones too')
    .action(async (_options: unknown, command: Command) => {
      const { client, output } = contextFor(command, io);
      const listed = await client.get<{ segments: SegmentResource[] }>('/admin/segments');
      output.data(listed.body);
      output.line(renderSegmentList(listed.body.segments));
    });

  segments
    .command('get <key>')
    .description('a segment: its conditions and its included and excluded units')
    .action(async (key: string, _options: unknown, command: Command) => {
      const { client, output } = contextFor(command, io);
      const segment = await client.get<SegmentResource>(path('segments', key));
      output.data(segment.body);
      output.line(renderSegment(segment.body));
    });

  segments
    .command('create <key>')
    .description('create a segment, from a file or empty (with a description)')
    .option('--file <file>', DEFINITION_HELP)
    .option('--description <text>', 'what the audience is (overrides the file)')
    .action(async (key: string, options: { file?: string; description?: string }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const source = options.file === undefined ? undefined : await definitionFile(options.file);
      const definition = source?.value ?? {};
      if (definition['key'] !== undefined && definition['key'] !== key) {
        throw new UsageError(`${options.file} names segment ${JSON.stringify(definition['key'])}, not ${key}`, [{ pointer: '#/key', detail: `must be ${key} or left out` }]);
      }
      const body = { ...definition, key, ...(options.description === undefined ? {} : { description: options.description }) };
      const created = await located(source, () => client.post<SegmentResource>('/admin/segments', { body }));
      output.data(created.body);
      output.line(`Created segment ${created.body.key} (version ${created.body.version}): ${summary(created.body)}`);
    });

  segments
    .command('update <key>')
    .description("replace a segment's definition with a file (what the file leaves out is emptied), based on the version read")
    .requiredOption('--file <file>', DEFINITION_HELP)
    .option('--expect-version <n>', 'apply only if the segment is still at this version (otherwise exit 4)')
    .action(async (key: string, options: { file: string; expectVersion?: string }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const source = await definitionFile(options.file);
      // The key is in the path; an export's segment entry (key, archived) is accepted as long as it names this one.
      const { key: named, archived: _archived, ...definition } = source.value;
      if (named !== undefined && named !== key) throw new UsageError(`${options.file} names segment ${JSON.stringify(named)}, not ${key}`, [{ pointer: '#/key', detail: `must be ${key} or left out` }]);
      const ifMatch = positiveInteger('--expect-version', options.expectVersion) ?? (await currentVersion(client, path('segments', key)));
      const changed = await located(source, () => client.put<SegmentResource>(path('segments', key), { body: definition, ifMatch }));
      output.data(changed.body);
      output.line(`Updated segment ${changed.body.key} (version ${changed.body.version}): ${summary(changed.body)}`);
    });

  segments
    .command('delete <key>')
    .description('archive a segment no flag or experiment uses (its history stays; the server refuses one still in use)')
    .option('--expect-version <n>', 'apply only if the segment is still at this version (otherwise exit 4)')
    .action(async (key: string, options: { expectVersion?: string }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const ifMatch = positiveInteger('--expect-version', options.expectVersion) ?? (await currentVersion(client, path('segments', key)));
      const archived = await client.delete<SegmentResource>(path('segments', key), { ifMatch });
      output.data(archived.body);
      output.line(`Archived segment ${archived.body.key} (version ${archived.body.version})`);
    });
}

/** A definition file must hold an object; the server checks its fields, and its pointers then land in the file. */
async function definitionFile(file: string): Promise<SourceFile & { value: Record<string, unknown> }> {
  const source = await readSourceFile(file);
  const value = source.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`${file} must hold an object (the segment's definition), not ${Array.isArray(value) ? 'a list' : value === null ? 'nothing' : typeof value}`);
  }
  return source as SourceFile & { value: Record<string, unknown> };
}

/** Runs a request whose body came from `source`, so that a problem's pointers name the file's lines. */
async function located<T>(source: SourceFile | undefined, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (source && error instanceof CliError) error.locate = source.locate;
    throw error;
  }
}

function summary(s: SegmentResource): string {
  return `${s.conditions.length} condition(s), ${s.included.length} included, ${s.excluded.length} excluded`;
}

export function renderSegmentList(segments: readonly SegmentResource[]): string {
  if (segments.length === 0) return 'No segments.';
  return renderTable(
    ['key', 'conditions', 'included', 'excluded', 'version', 'description'],
    segments.map((s) => [s.key + (s.archived ? ' (archived)' : ''), s.conditions.length, s.included.length, s.excluded.length, s.version, brief(s.description, 40)]),
  );
}

export function renderSegment(s: SegmentResource): string {
  const units = (list: readonly string[]): string => (list.length === 0 ? '—' : brief(list.join(', '), 80) + (list.length > 1 ? ` (${list.length})` : ''));
  const lines = [
    `${s.key} — segment, version ${s.version}${s.archived ? ', archived' : ''}`,
    renderPairs([
      ['description', s.description || '—'],
      ['included', units(s.included)],
      ['excluded', units(s.excluded)],
      ['updated', `${s.updatedAt}${s.updatedBy ? ` by ${s.updatedBy}` : ''}`],
    ]),
  ];
  lines.push(
    s.conditions.length === 0
      ? 'No conditions: only included units are in it.'
      : renderTable(['attribute', 'operator', 'values'], s.conditions.map((c) => [c.attribute ?? '—', c.operator, brief(c.values, 60)])),
  );
  return lines.join('\n');
}
