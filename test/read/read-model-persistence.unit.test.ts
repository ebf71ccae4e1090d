import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileReadModelPersistence } from '../../src/read/read-model-persistence.ts';
import { emptyReadModelState, type ReadModelState } from '../../src/read/read-model.ts';

const directories: string[] = [];
afterEach(async () => {
  await Promise.all(directories.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function directory(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flagstaff-persistence-'));
  directories.push(dir);
  return dir;
}

/** Big enough that the file is written in several pieces, with strings that need escaping. */
function largeState(): ReadModelState {
  const state = emptyReadModelState();
  state.position = 123_456;
  for (let i = 0; i < 3_000; i++) {
    state.flags[`flag-${i}`] = {
      key: `flag-${i}`,
      type: 'string',
      variants: { a: `value "${i}" \n ü ${'x'.repeat(100)}`, b: null },
      hashVersion: 1,
      version: i,
      archived: i % 7 === 0,
      environments: {},
    };
  }
  state.environments = { production: { revision: 5 } };
  state.apiKeys = { hash: { id: 'k', environment: 'production', kind: 'server', revoked: false } };
  return state;
}

describe('fileReadModelPersistence', () => {
  it('writes exactly the JSON of the state and loads it back', async () => {
    const dir = await directory();
    const persistence = fileReadModelPersistence(dir);
    const state = largeState();
    await persistence.save(state);
    const text = await fs.readFile(path.join(dir, 'read-model.json'), 'utf8');
    expect(text.length).toBeGreaterThan(2 * 256 * 1024);
    expect(text).toBe(JSON.stringify(state));
    expect(await persistence.load()).toEqual(state);
  });

  it('writes empty records as {}', async () => {
    const dir = await directory();
    const persistence = fileReadModelPersistence(dir);
    await persistence.save(emptyReadModelState());
    expect(await fs.readFile(path.join(dir, 'read-model.json'), 'utf8')).toBe(JSON.stringify(emptyReadModelState()));
  });

  it('loads nothing when there is no file, and nothing of an unknown format', async () => {
    const dir = await directory();
    const persistence = fileReadModelPersistence(dir);
    expect(await persistence.load()).toBeUndefined();
    await fs.writeFile(path.join(dir, 'read-model.json'), JSON.stringify({ ...emptyReadModelState(), formatVersion: 2 }));
    expect(await persistence.load()).toBeUndefined();
  });
});
