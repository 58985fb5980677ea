import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The house rules of ARCHITECTURE.md hold for the real tree, and the check that keeps them (the same
 * `npm run lint:imports` CI runs) really fails when one is broken on purpose in a small throwaway tree.
 */
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const config = path.join(root, '.dependency-cruiser.cjs');
const depcruise = path.join(root, 'node_modules/.bin/depcruise');
const scratch: string[] = [];

async function cruise(cwd: string, ...dirs: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(depcruise, [...dirs, '--config', config, '--output-type', 'err'], {
      cwd,
    });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-bridge-imports-'));
  scratch.push(dir);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

afterAll(() => {
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

describe('import rules', () => {
  it('hold for the project as it stands: no cycles, no flow importing another, qbo reached through its door', async () => {
    const result = await cruise(root, 'gateway/src', 'shared/src', 'addon/src');
    expect(result.output).toContain('no dependency violations found');
    expect(result.ok).toBe(true);
  });

  it('fail on a cycle added on purpose, naming both files', async () => {
    const dir = tree({
      'gateway/src/jobs/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'gateway/src/jobs/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
    });
    const result = await cruise(dir, 'gateway/src');
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/no-cycles: gateway\/src\/jobs\/[ab]\.ts/);
  });

  it('fail when a flow imports another flow or reaches behind the qbo door', async () => {
    const dir = tree({
      'gateway/src/zimbra/highwater.ts': 'export const peak = 1;\n',
      'gateway/src/qbo/index.ts': "export { ledger } from './exactly-once/ledger';\n",
      'gateway/src/qbo/exactly-once/ledger.ts': 'export const ledger = 1;\n',
      'gateway/src/mis/service.ts':
        "import { peak } from '../zimbra/highwater';\nimport { ledger } from '../qbo/exactly-once/ledger';\nimport { ledger as door } from '../qbo';\nexport const all = [peak, ledger, door];\n",
    });
    const result = await cruise(dir, 'gateway/src');
    expect(result.ok).toBe(false);
    expect(result.output).toContain('flows-never-import-flows: gateway/src/mis/service.ts');
    expect(result.output).toContain('flows-use-the-qbo-door: gateway/src/mis/service.ts');
    expect(result.output).not.toContain('qbo/index.ts');
  });

  it('fail when a flow page reaches into the dashboard shell instead of web/page-module.ts', async () => {
    const dir = tree({
      'gateway/src/web/page-module.ts': 'export const kit = 1;\n',
      'gateway/src/web/layout.tsx': 'export const Pager = 1;\n',
      'gateway/src/mis/dashboard-page.tsx':
        "import { kit } from '../web/page-module';\nimport { Pager } from '../web/layout';\nexport const page = [kit, Pager];\n",
    });
    const result = await cruise(dir, 'gateway/src');
    expect(result.ok).toBe(false);
    expect(result.output).toContain(
      'flows-reach-the-dashboard-through-page-module: gateway/src/mis/dashboard-page.tsx → gateway/src/web/layout.tsx',
    );
    expect(result.output).not.toContain('→ gateway/src/web/page-module.ts');
  });

  it('fail when shared/ imports the gateway or the add-on imports the gateway', async () => {
    const dir = tree({
      'gateway/src/store/db.ts': 'export const db = 1;\n',
      'shared/src/money.ts': "import { db } from '../../gateway/src/store/db';\nexport const m = db;\n",
      'addon/src/menu.ts': "import { db } from '../../gateway/src/store/db';\nexport const n = db;\n",
    });
    const result = await cruise(dir, 'gateway/src', 'shared/src', 'addon/src');
    expect(result.ok).toBe(false);
    expect(result.output).toContain('shared-stands-alone: shared/src/money.ts');
    expect(result.output).toContain('addon-talks-http: addon/src/menu.ts');
  });
});
