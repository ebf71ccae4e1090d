import { ConflictError, DomainRuleViolation, NotFoundError, issue } from '../../shared/errors.ts';
import type { SegmentDefinition, SegmentEvent } from '../../shared/segment-events.ts';
import { SEGMENT_OPERATORS } from '../../shared/targeting.ts';
import type { Segment } from './segment.ts';

export type SegmentCommand =
  | { type: 'CreateSegment'; data: { key: string } & SegmentDefinition }
  | { type: 'ChangeSegment'; data: SegmentDefinition }
  | { type: 'ArchiveSegment' }
  | { type: 'RestoreSegment' };

export interface SegmentDecisionContext {
  /** Keys of live flags whose targeting, in any environment, names this segment. */
  flagsUsingSegment(key: string): string[];
}

export function decideSegment(command: SegmentCommand, state: Segment | undefined, context: SegmentDecisionContext): SegmentEvent[] {
  if (command.type === 'CreateSegment') {
    if (state) throw new ConflictError(`Segment ${command.data.key} already exists`);
    checkDefinition(command.data);
    return [{ type: 'SegmentCreated', data: command.data }];
  }
  if (!state) throw new NotFoundError('Segment not found');
  switch (command.type) {
    case 'ChangeSegment': {
      if (state.archived) throw new ConflictError(`Segment ${state.key} is archived: restore it before changing it`);
      checkDefinition(command.data);
      const { key: _key, archived: _archived, ...current } = state;
      return JSON.stringify(current) === JSON.stringify(command.data) ? [] : [{ type: 'SegmentChanged', data: command.data }];
    }
    case 'ArchiveSegment': {
      if (state.archived) return [];
      const users = context.flagsUsingSegment(state.key);
      if (users.length > 0) throw new ConflictError(`Segment ${state.key} is used by ${users.join(', ')}: remove it from their rules first`);
      return [{ type: 'SegmentArchived', data: {} }];
    }
    case 'RestoreSegment':
      return state.archived ? [{ type: 'SegmentRestored', data: {} }] : [];
    default: {
      const exhaustive: never = command;
      throw new Error(`unknown command ${(exhaustive as SegmentCommand).type}`);
    }
  }
}

/** Segments do not nest: one level keeps evaluation flat and a segment's meaning visible in one place. */
function checkDefinition(definition: SegmentDefinition): void {
  const issues = definition.conditions.flatMap((condition, i) =>
    SEGMENT_OPERATORS.has(condition.operator) ? [issue(['conditions', i, 'operator'], 'segments cannot refer to other segments')] : [],
  );
  const included = new Set(definition.included);
  definition.excluded.forEach((unit, i) => {
    if (included.has(unit)) issues.push(issue(['excluded', i], 'is also included'));
  });
  if (issues.length > 0) throw new DomainRuleViolation('Invalid segment', issues);
}
