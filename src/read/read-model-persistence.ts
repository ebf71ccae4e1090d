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
        await writeJson(handle, state);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temporary, file);
    },
  };
}

/** Written in pieces: one string of the whole model (15 MiB at 10,000 flags) would raise the process's peak RSS. */
const CHUNK_CHARS = 256 * 1024;

/** Writes `JSON.stringify(state)`, byte for byte, serialising the records of each top-level field one entry at a time. */
async function writeJson(handle: fs.FileHandle, state: ReadModelState): Promise<void> {
  let pending = '';
  const write = async (text: string): Promise<void> => {
    pending += text;
    if (pending.length >= CHUNK_CHARS) {
      await handle.write(pending);
      pending = '';
    }
  };
  let firstField = true;
  for (const [field, value] of Object.entries(state)) {
    await write(`${firstField ? '{' : ','}${JSON.stringify(field)}:`);
    firstField = false;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      await write(JSON.stringify(value));
      continue;
    }
    let firstEntry = true;
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
      if (entry === undefined) continue;
      await write(`${firstEntry ? '{' : ','}${JSON.stringify(key)}:${JSON.stringify(entry)}`);
      firstEntry = false;
    }
    await write(firstEntry ? '{}' : '}');
  }
  await handle.write(`${pending}}`);
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
