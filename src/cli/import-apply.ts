import { versionOf, type ApiClient } from './api-client.ts';
import type { EntityRef } from './configuration.ts';
import type { PlannedCommand } from './import-plan.ts';

/** How far an import got when a command failed: commands before it are applied (each is its own event). */
export class ImportInterrupted extends Error {
  constructor(
    readonly applied: number,
    readonly failed: PlannedCommand,
    override readonly cause: unknown,
  ) {
    super(`import stopped after ${applied} command(s)`);
  }
}

/**
 * Runs a plan in order. Each command carries `If-Match` with the version its entity had when the plan was made
 * (or got from the command before it), so a change made by someone else meanwhile stops the import with a 412
 * instead of being overwritten. Stops at the first failure; planning again afterwards yields what is left.
 */
export async function applyPlan(
  client: ApiClient,
  commands: readonly PlannedCommand[],
  versions: Map<EntityRef, number>,
  onApplied: (command: PlannedCommand, index: number) => void = () => {},
): Promise<number> {
  for (const [index, command] of commands.entries()) {
    const ifMatch = command.ifMatch ? versions.get(command.entity) : undefined;
    try {
      const response = await client.request(command.method, command.path, {
        ...(command.body === undefined ? {} : { body: command.body }),
        ...(ifMatch === undefined ? {} : { ifMatch }),
      });
      const version = versionOf(response);
      if (version !== undefined) versions.set(command.entity, version);
    } catch (error) {
      throw new ImportInterrupted(index, command, error);
    }
    onApplied(command, index);
  }
  return commands.length;
}
