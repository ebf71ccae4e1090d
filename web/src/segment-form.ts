import type { SegmentDefinition } from './admin-types.ts';
import { pointer } from './field-errors.ts';
import { conditionFromDraft, conditionPointers, conditionToDraft, type DraftCondition } from './targeting-form.ts';

/** A segment's definition as its editor holds it: conditions as the flag editor holds them, unit ids as typed. */
export interface SegmentDraft {
  description: string;
  conditions: DraftCondition[];
  includedText: string;
  excludedText: string;
}

export function segmentToDraft(s: SegmentDefinition): SegmentDraft {
  return { description: s.description, conditions: s.conditions.map(conditionToDraft), includedText: s.included.join('\n'), excludedText: s.excluded.join('\n') };
}

/** The PUT body: the whole definition (what is left out the server empties). */
export function segmentFromDraft(d: SegmentDraft): SegmentDefinition {
  return { description: d.description.trim(), conditions: d.conditions.map(conditionFromDraft), included: parseUnits(d.includedText), excluded: parseUnits(d.excludedText) };
}

/** Unit ids, one a line or comma-separated, as pasted from a spreadsheet or a list; blanks dropped, order kept. */
export function parseUnits(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((u) => u.trim())
    .filter(Boolean);
}

/** Every pointer the segment form shows an input (or a group) for. */
export function segmentPointers(d: SegmentDraft): string[] {
  return [pointer('description'), pointer('included'), pointer('excluded'), ...conditionPointers('#', d.conditions)];
}
