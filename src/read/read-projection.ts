import type { EventStore, Subscription } from '../event-store/event-store.ts';
import { FlagStreamsFold } from './flag-streams-fold.ts';
import { ReadModel, type AppliedBatch } from './read-model.ts';
import type { ReadModelPersistence } from './read-model-persistence.ts';

export interface ProjectionStatus {
  /** False while the subscription's last attempt failed: the model may be stale. */
  readonly live: boolean;
  readonly position: number;
  readonly lastError: string | undefined;
}

export interface ReadProjection {
  readonly model: ReadModel;
  status(): ProjectionStatus;
  /** Resolves once the model has applied everything the store held when called. */
  caughtUp(): Promise<void>;
  /** Writes the state (and so the checkpoint) now. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs the read model on the store's catch-up-then-live subscription. The persisted state is the checkpoint:
 * it is loaded first (so the model serves at once, even with the store down) and saved at most every
 * `saveIntervalMs` after changes, and on stop. After a crash, events since the last save are applied again,
 * which the model ignores by position.
 */
export async function startReadProjection(options: {
  store: EventStore;
  persistence: ReadModelPersistence;
  /** Told of every batch that changed an environment or revoked a key, as soon as it is applied. */
  onChange?: (changes: AppliedBatch) => void;
  saveIntervalMs?: number;
  onError?: (error: unknown) => void;
}): Promise<ReadProjection> {
  const { store, persistence } = options;
  const saveIntervalMs = options.saveIntervalMs ?? 1_000;
  const model = new ReadModel((await persistence.load()) ?? undefined);
  let savedPosition = model.position;
  let saveTimer: NodeJS.Timeout | undefined;
  let saving: Promise<void> = Promise.resolve();
  let live = false;
  let lastError: string | undefined;

  const save = (): Promise<void> => {
    saving = saving.then(async () => {
      if (model.position === savedPosition) return;
      const state = model.toState();
      await persistence.save(state);
      savedPosition = state.position;
    });
    return saving;
  };
  const scheduleSave = (): void => {
    if (saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = undefined;
      save().catch((error) => options.onError?.(error));
    }, saveIntervalMs);
    saveTimer.unref();
  };

  const subscription: Subscription = store.subscribe({
    after: model.position,
    batchSize: 1_000,
    onBatch: (events) => {
      const changes = model.apply(events);
      if (changes.environments.length > 0 || changes.revokedKeys.length > 0) options.onChange?.(changes);
      scheduleSave();
    },
    onIdle: () => {
      live = true;
      lastError = undefined;
    },
    onError: (error) => {
      live = false;
      lastError = error instanceof Error ? error.message : String(error);
      options.onError?.(error);
    },
  });

  return {
    model,
    status: () => ({ live, position: model.position, lastError }),
    caughtUp: () => subscription.caughtUp(),
    flush: save,
    async stop() {
      if (saveTimer) clearTimeout(saveTimer);
      await subscription.stop();
      await save();
    },
  };
}

/** How far a rebuild got: events replayed, the position reached, the position it replays up to. */
export interface RebuildProgress {
  readonly events: number;
  readonly position: number;
  readonly target: number;
}

export interface RebuildReport {
  readonly position: number;
  readonly events: number;
  readonly liveHash: string;
  readonly rebuiltHash: string;
  /**
   * The flags (keys, sorted) whose definition in the live and in the rebuilt model differs from a plain fold of
   * their streams by the shared evolution, the write side's fold: empty lists when the read model is the log.
   */
  readonly flagsDifferingFromFold: { readonly live: string[]; readonly rebuilt: string[] };
  /** The hashes are equal and no flag differs from the fold. */
  readonly equal: boolean;
  readonly milliseconds: number;
}

/**
 * Replays the whole log into a fresh model and compares it, by hash, with the live one at the same position:
 * the proof that the projection is a pure function of the log. Both are also compared, flag by flag, with a
 * fold of every flag stream by the shared evolution alone, which is what the write side decides with.
 */
export async function rebuildAndCompare(
  store: EventStore,
  projection: ReadProjection,
  onProgress?: (progress: RebuildProgress) => void,
): Promise<RebuildReport> {
  const started = performance.now();
  const rebuilt = new ReadModel();
  const fold = new FlagStreamsFold();
  let events = 0;
  for (;;) {
    await projection.caughtUp();
    const target = projection.model.position;
    while (rebuilt.position < target) {
      const batch = await store.readAll({ after: rebuilt.position, limit: 5_000 });
      if (batch.length === 0) break;
      const upToTarget = batch.filter((e) => e.position <= target);
      events += upToTarget.length;
      rebuilt.apply(upToTarget);
      fold.add(upToTarget);
      onProgress?.({ events, position: rebuilt.position, target });
      if (upToTarget.length < batch.length) break;
    }
    // The live model may have moved on meanwhile; compare only at one and the same position.
    if (rebuilt.position === projection.model.position) break;
  }
  const liveHash = projection.model.hash();
  const rebuiltHash = rebuilt.hash();
  const flagsDifferingFromFold = { live: fold.differencesFrom(projection.model), rebuilt: fold.differencesFrom(rebuilt) };
  const equal = liveHash === rebuiltHash && flagsDifferingFromFold.live.length === 0 && flagsDifferingFromFold.rebuilt.length === 0;
  return { position: rebuilt.position, events, liveHash, rebuiltHash, flagsDifferingFromFold, equal, milliseconds: performance.now() - started };
}
