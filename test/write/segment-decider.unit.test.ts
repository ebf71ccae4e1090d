import { describe, expect, it } from 'vitest';
import { ConflictError, DomainRuleViolation, NotFoundError } from '../../src/shared/errors.ts';
import type { SegmentEvent } from '../../src/shared/segment-events.ts';
import { decideSegment, type SegmentCommand } from '../../src/write/segments/segment-decider.ts';
import { evolveSegment, type Segment } from '../../src/write/segments/segment.ts';
import { deciderSpec } from '../support/decider-spec.ts';

const spec = (users: Record<string, string[]> = {}) =>
  deciderSpec<Segment, SegmentCommand, SegmentEvent>({
    evolve: evolveSegment,
    decide: (command, state) => decideSegment(command, state, { flagsUsingSegment: (key) => users[key] ?? [] }),
  });
const definition = { description: 'Beta', conditions: [{ attribute: 'plan', operator: 'eq' as const, values: ['beta'] }], included: ['u1'], excluded: [] };
const created: SegmentEvent = { type: 'SegmentCreated', data: { key: 'beta', ...definition } };

describe('segment decider', () => {
  it('creates a segment once', () => {
    spec()([]).when({ type: 'CreateSegment', data: { key: 'beta', ...definition } }).then([created]);
    spec()([created]).when({ type: 'CreateSegment', data: { key: 'beta', ...definition } }).thenThrows(ConflictError);
  });

  it('refuses nesting and a unit both included and excluded', () => {
    spec()([])
      .when({ type: 'CreateSegment', data: { key: 'nested', ...definition, conditions: [{ operator: 'in_segment', values: ['beta'] }] } })
      .thenThrows(DomainRuleViolation, /#\/conditions\/0\/operator segments cannot refer/);
    spec()([])
      .when({ type: 'CreateSegment', data: { key: 'both', ...definition, included: ['u1'], excluded: ['u1'] } })
      .thenThrows(DomainRuleViolation, /#\/excluded\/0 is also included/);
  });

  it('changes the definition, and appends nothing when it is unchanged', () => {
    spec()([created]).when({ type: 'ChangeSegment', data: { ...definition, included: ['u1', 'u2'] } }).then([
      { type: 'SegmentChanged', data: { ...definition, included: ['u1', 'u2'] } },
    ]);
    spec()([created]).when({ type: 'ChangeSegment', data: definition }).then([]);
    spec()([]).when({ type: 'ChangeSegment', data: definition }).thenThrows(NotFoundError);
  });

  it('archives only a segment no live flag uses, and restores it', () => {
    spec({ beta: ['checkout'] })([created]).when({ type: 'ArchiveSegment' }).thenThrows(ConflictError, /used by checkout/);
    spec()([created]).when({ type: 'ArchiveSegment' }).then([{ type: 'SegmentArchived', data: {} }]);
    spec()([created, { type: 'SegmentArchived', data: {} }]).when({ type: 'ChangeSegment', data: definition }).thenThrows(ConflictError, /archived/);
    spec()([created, { type: 'SegmentArchived', data: {} }]).when({ type: 'RestoreSegment' }).then([{ type: 'SegmentRestored', data: {} }]);
  });

  it('archives once, and says who still uses a segment', () => {
    spec()([created, { type: 'SegmentArchived', data: {} }]).when({ type: 'ArchiveSegment' }).then([]);
    expect(spec({ beta: ['checkout', 'banner'] })([created]).when({ type: 'ArchiveSegment' }).thenThrows(ConflictError).message).toBe(
      'Segment beta is used by checkout, banner: remove it from their rules first',
    );
  });

  it('refuses a second creation, a command to no segment and an invalid definition, saying why', () => {
    expect(spec()([created]).when({ type: 'CreateSegment', data: { key: 'beta', ...definition } }).thenThrows(ConflictError).message).toBe('Segment beta already exists');
    expect(spec()([]).when({ type: 'ArchiveSegment' }).thenThrows(NotFoundError).message).toBe('Segment not found');
    expect(spec()([]).when({ type: 'CreateSegment', data: { key: 'both', ...definition, excluded: ['u1'] } }).thenThrows(DomainRuleViolation)).toMatchObject({
      message: 'Invalid segment',
      issues: [{ pointer: '#/excluded/0', detail: 'is also included' }],
    });
  });

  it('fails loudly, naming it, on a command this version does not know', () => {
    expect(() => decideSegment({ type: 'RenameSegment' } as never, evolveSegment(undefined, created), { flagsUsingSegment: () => [] })).toThrow(
      new Error('unknown command RenameSegment'),
    );
  });
});
