import type { EventStore } from '../../event-store/event-store.ts';
import { compileEnvironment, type CompiledEnvironment } from '../../evaluation/compile.ts';
import { LogCheckpoints, type FoldedModel, type LogBound } from '../../shared/log-checkpoints.ts';
import type { EnvironmentSnapshot, FlagSnapshot } from '../../shared/snapshot.ts';
import { ReadModel, type ReadModelState } from '../read-model.ts';

/**
 * The read model as of any position or time of the log, folded by the very projection applications evaluate
 * against, so a past evaluation is reproduced by the same code that produced it. Checkpoints are the model's
 * own `toState()` (records copied, objects shared), resumed with `ReadModel.resume`.
 */
export class ReadModelHistory {
  private readonly checkpoints: LogCheckpoints<ReadModel, ReadModelState>;

  constructor(store: Pick<EventStore, 'readAll'>, options: { spacing?: number; maxCheckpoints?: number } = {}) {
    this.checkpoints = new LogCheckpoints(
      store,
      {
        empty: () => new ReadModel(),
        resume: (state) => ReadModel.resume(state),
        apply: (model, events) => void model.apply(events),
        checkpoint: (model) => model.toState(),
      },
      options,
    );
  }

  get stats(): { checkpoints: number; spacing: number } {
    return this.checkpoints.stats;
  }

  at(bound: LogBound): Promise<FoldedModel<ReadModel>> {
    return this.checkpoints.foldTo(bound);
  }
}

/**
 * Compiles just what evaluating `flagKey` can touch, its prerequisites transitively (segments are looked up by
 * key): the same results as compiling the whole environment, without compiling 10,000 flags for one question.
 */
export function compileForFlag(snapshot: EnvironmentSnapshot, flagKey: string): CompiledEnvironment {
  const flags: Record<string, FlagSnapshot> = {};
  const pending = [flagKey];
  while (pending.length > 0) {
    const key = pending.pop()!;
    const flag = snapshot.flags[key];
    if (!flag || flags[key]) continue;
    flags[key] = flag;
    for (const prerequisite of flag.prerequisites) pending.push(prerequisite.flagKey);
  }
  return compileEnvironment({ ...snapshot, flags });
}
