import fs from 'node:fs/promises';
import path from 'node:path';
import type { ReadModelState } from './read-model.ts';

/**
 * Where the read model's state (and so its checkpoint) is kept between runs, so a restart resumes from where
 * it was instead of replaying everything, and serves even when the event store is unreachable.
 */
export interface ReadModelPersistence {
  load(): Promise<ReadModelState | undefined>;
  save(state: ReadModelState): Promise<void>;
}

/** One JSON file, replaced atomically (write a temporary file, fsync, rename): a crash leaves the old or the new. */
export function fileReadModelPersistence(directory: string): ReadModelPersistence {
  const file = path.join(directory, 'read-model.json');
  return {
    async load() {
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      const state = JSON.parse(text) as ReadModelState;
      if (state.formatVersion !== 1) return undefined; // an unknown format is rebuilt from the log
      return state;
    },
    async save(state) {
      await fs.mkdir(directory, { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      const handle = await fs.open(temporary, 'w');
      try {
        await handle.writeFile(JSON.stringify(state));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temporary, file);
    },
  };
}

export function memoryReadModelPersistence(): ReadModelPersistence & { saved: ReadModelState | undefined } {
  const persistence = {
    saved: undefined as ReadModelState | undefined,
    async load() {
      return persistence.saved === undefined ? undefined : structuredClone(persistence.saved);
    },
    async save(state: ReadModelState) {
      persistence.saved = structuredClone(state);
    },
  };
  return persistence;
}
