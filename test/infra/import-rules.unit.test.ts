import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const depcruise = path.join(root, 'node_modules/.bin/depcruise');
const config = path.join(root, '.dependency-cruiser.cjs');

/** Runs the import rules as `npm run lint` does, in `cwd`; resolves to the rules that failed, one per violation. */
async function violations(cwd: string): Promise<string[]> {
  try {
    await run(depcruise, ['src', '--config', config, '--output-type', 'err'], { cwd });
    return [];
  } catch (error) {
    const output = (error as { stdout?: string }).stdout ?? '';
    // `error <rule>: <from> → <to>`; a cycle lists its whole path over several lines.
    const found = [...output.matchAll(/error ([\w-]+): (\S+) →\s+(\S+)/g)].map(([, rule, from, to]) => `${rule}: ${from} → ${to}`);
    if (found.length === 0) throw error;
    return found;
  }
}

describe('the import rules (ARCHITECTURE.md), as npm run lint checks them', () => {
  let fixture: string;

  // A tree with one module per room and each forbidden arrow drawn once.
  const files: Record<string, string> = {
    'src/shared/kernel.ts': "export const kernel = 1;\n",
    'src/read/model.ts': "import { kernel } from '../shared/kernel.ts';\nexport const model = kernel;\n",
    'src/write/decider.ts': "import { model } from '../read/model.ts';\nexport const decider = model;\n",
    'src/http/library.ts': "import { decider } from '../write/decider.ts';\nexport const library = decider;\n",
    'src/evaluation/engine.ts': "import { library } from '../http/library.ts';\nexport const engine = library;\n",
    'src/shared/leaky.ts': "import { engine } from '../evaluation/engine.ts';\nexport const leaky = engine;\n",
    'src/sdk/client.ts': "import { library } from '../http/library.ts';\nexport const client = library;\n",
    'src/cli/command.ts': "import { model } from '../read/model.ts';\nimport { schema } from '../read/read-schemas.ts';\nexport const command = [model, schema];\n",
    'src/read/read-schemas.ts': "export const schema = 1;\n",
    'src/event-store/event-store.ts': "export type Port = number;\n",
    'src/event-store/postgres-adapter.ts': "export const adapter = 1;\n",
    'src/experiments/starter.ts': "import { adapter } from '../event-store/postgres-adapter.ts';\nimport { root } from '../root/app.ts';\nexport const starter = [adapter, root];\n",
    'src/root/app.ts': "import { adapter } from '../event-store/postgres-adapter.ts';\nexport const root = adapter;\n",
    'src/analytics/a.ts': "import { b } from './b.ts';\nexport const a = b;\n",
    'src/analytics/b.ts': "import { a } from './a.ts';\nexport const b = a;\n",
  };

  beforeAll(async () => {
    fixture = await fs.mkdtemp(path.join(os.tmpdir(), 'flagstaff-import-rules-'));
    await fs.copyFile(path.join(root, 'tsconfig.json'), path.join(fixture, 'tsconfig.json'));
    for (const [file, text] of Object.entries(files)) {
      await fs.mkdir(path.join(fixture, path.dirname(file)), { recursive: true });
      await fs.writeFile(path.join(fixture, file), text);
    }
  });
  afterAll(async () => {
    await fs.rm(fixture, { recursive: true, force: true });
  });

  it('fail on every arrow the architecture forbids, and only on those', async () => {
    expect((await violations(fixture)).sort()).toEqual(
      [
        'write-imports-no-other-slice: src/write/decider.ts → src/read/model.ts',
        'libraries-import-no-slice: src/http/library.ts → src/write/decider.ts',
        'evaluation-is-pure: src/evaluation/engine.ts → src/http/library.ts',
        'kernel-imports-only-kernel: src/shared/leaky.ts → src/evaluation/engine.ts',
        'sdk-imports-only-engine: src/sdk/client.ts → src/http/library.ts',
        'cli-is-a-client: src/cli/command.ts → src/read/model.ts',
        'adapters-only-from-the-root: src/experiments/starter.ts → src/event-store/postgres-adapter.ts',
        'nothing-imports-the-root: src/experiments/starter.ts → src/root/app.ts',
        'no-circular: src/analytics/a.ts → src/analytics/b.ts',
      ].sort(),
    );
  });

  it('hold on the code itself', async () => {
    expect(await violations(root)).toEqual([]);
  });
});
