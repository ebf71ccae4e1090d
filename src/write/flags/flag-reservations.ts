import type { EventStore } from '../../event-store/event-store.ts';
import { executeCommand, type CommandContext, type CommandOutcome } from '../../shared/command-handler.ts';
import { streamId } from '../../shared/domain-event.ts';
import { FLAG_CATEGORY, type FlagEvent } from '../../shared/flag-events.ts';
import type { FlagReservations } from '../../shared/flag-reservations.ts';
import type { WriteModel } from '../write-model.ts';
import { decideFlag, type FlagCommand } from './flag-decider.ts';
import { evolveFlag, type Flag } from '../../shared/flag-evolution.ts';

/*
 * Invariants that span a flag and other streams, decided by the flag stream's expected version. The event store
 * appends to one stream at a time (KurrentDB's multi-stream append needs a 25.1 server), so a command that needs
 * another stream's agreement first appends a reservation there, pinned to the version its own append will be
 * made at, then appends its own events at exactly that version:
 * - an experiment's start: FlagExperimentAttached on the flag, then ExperimentStarted on the experiment;
 * - a flag naming new prerequisites: FlagPrerequisiteClaimed on each, then its own change.
 * Archiving a flag (or removing its variants) is decided on the flag's stream, so it either comes before a
 * reservation (which then sees the flag archived) or after it (and is refused while the reservation holds).
 * A crash between the two appends leaves a reservation whose command never landed. It keeps the flag as if the
 * command had (no second experiment starts there; the flag cannot be archived) until the reserving stream moves
 * past the pinned version: retrying the command completes it, and any other change to that stream spends it.
 * It never lets two experiments run at once nor a prerequisite name an archived flag.
 */

type Deps = { store: EventStore; model: WriteModel };

/** Reservations carry no Idempotency-Key (the key belongs to the command's own events) and no If-Match. */
function reservationContext(context: CommandContext): CommandContext {
  return { ...context, expectedVersion: undefined, idempotencyKey: undefined, requestHash: undefined };
}

function onFlag(deps: Deps, key: string, command: FlagCommand, context: CommandContext): Promise<CommandOutcome> {
  return executeCommand(
    deps,
    { streamId: streamId(FLAG_CATEGORY, key), current: () => deps.model.flagsByKey.get(key), decide: (state) => decideFlag(command, state, deps.model) },
    reservationContext(context),
  );
}

export function flagReservations(deps: Deps): FlagReservations {
  return {
    async attachExperiment({ flagKey, environment, experimentKey, experimentVersion }, context) {
      await onFlag(deps, flagKey, { type: 'AttachExperiment', data: { environment, experimentKey, experimentVersion } }, context);
    },
  };
}

/** Runs a command on a flag, first claiming every flag its outcome names as a prerequisite for the first time. */
export function executeFlagCommand(deps: Deps, key: string, command: FlagCommand, context: CommandContext): Promise<CommandOutcome> {
  return executeOnFlag(deps, key, (state) => decideFlag(command, state, deps.model), context);
}

/** The same for any decision on a flag's stream (a scheduled change applying is a targeting change too). */
export function executeOnFlag(deps: Deps, key: string, decide: (state: Flag | undefined) => FlagEvent[], context: CommandContext): Promise<CommandOutcome> {
  return executeCommand(
    deps,
    {
      streamId: streamId(FLAG_CATEGORY, key),
      current: () => deps.model.flagsByKey.get(key),
      decide,
      reserve: async (state, version, events) => {
        const before = prerequisitesOf(state);
        const after = prerequisitesOf((events as FlagEvent[]).reduce<Flag | undefined>(evolveFlag, state));
        for (const prerequisite of after) {
          if (before.has(prerequisite)) continue; // already a dependent as far as archiving it is concerned
          await onFlag(deps, prerequisite, { type: 'ClaimPrerequisite', data: { dependentKey: key, dependentVersion: version } }, context);
        }
      },
    },
    context,
  );
}

/**
 * The flags a flag names as prerequisites in any environment. Archived or not: restoring a flag claims nothing,
 * as restoring one whose prerequisite was archived meanwhile has always been allowed.
 */
function prerequisitesOf(flag: Flag | undefined): Set<string> {
  const keys = new Set<string>();
  if (!flag) return keys;
  for (const targeting of Object.values(flag.environments)) for (const p of targeting.prerequisites) keys.add(p.flagKey);
  return keys;
}
