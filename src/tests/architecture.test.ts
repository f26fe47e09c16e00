/**
 * The layers hold (docs/architecture.md): dependency-cruiser with the repository's
 * rules over the real tree finds nothing, and over a copy of it with forbidden imports
 * planted finds each of them, by rule.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}

async function cruise(cwd: string): Promise<Violation[]> {
  const bin = join(ROOT, 'node_modules/.bin/depcruise');
  const r = await run(bin, ['src', 'rig', 'bin', 'bench', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], { cwd, maxBuffer: 64 << 20 }).catch(
    (e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
  );
  const out = JSON.parse(r.stdout) as { summary: { violations: Violation[] } };
  return out.summary.violations;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('architecture: the dependency rules', () => {
  it('the tree as it is breaks none of them', async () => {
    const v = await cruise(ROOT);
    expect(v.map((x) => `${x.rule.name}: ${x.from} -> ${x.to}`)).toEqual([]);
  });

  it('a forbidden import planted in each layer is caught by its rule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rig-arch-'));
    dirs.push(dir);
    for (const p of ['src', 'rig', 'bin', 'bench', 'firmware', 'tsconfig.json', 'package.json', '.dependency-cruiser.cjs']) {
      cpSync(join(ROOT, p), join(dir, p), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const plant = (file: string, line: string): void => writeFileSync(join(dir, file), `${line}\nexport const planted = 1;\n`);
    plant('rig/planted.ts', "import { parseIwconfig } from '../src/controllers/madwifi/parse.ts';\nvoid parseIwconfig;");
    plant('rig/planted-value.ts', "import { InventorySchema } from '../src/inventory/schema.ts';\nvoid InventorySchema;");
    plant('src/roam/planted.ts', "import { startLab } from '../../rig/lab.ts';\nvoid startLab;");
    plant('src/cli/planted.ts', "import { World } from '../../rig/world/world.ts';\nvoid World;");
    plant('src/report/planted.ts', "import { runRoam } from '../roam/run.ts';\nvoid runRoam;");
    plant('src/controllers/planted.ts', "import { runCycle } from '../roam/cycle.ts';\nvoid runCycle;");
    plant('src/record/planted.ts', "import { parsePingLine } from '../ping/parse.ts';\nvoid parsePingLine;");
    plant('src/ping/planted.ts', "import { RunFolder } from '../record/run-folder.ts';\nvoid RunFolder;");
    plant('src/flash/planted.ts', "import { roam } from '../api/roam.ts';\nvoid roam;");
    plant('src/bench/planted.ts', "import { runCycle } from '../roam/cycle.ts';\nvoid runCycle;");
    plant('src/ping/cycle-a.ts', "import { planted as b } from './cycle-b.ts';\nvoid b;");
    plant('src/ping/cycle-b.ts', "import { planted as a } from './cycle-a.ts';\nvoid a;");

    const found = new Set((await cruise(dir)).map((x) => `${x.rule.name} ${x.from}`));
    const expected = [
      'rig-independent-of-src rig/planted.ts',
      'rig-inventory-types-only rig/planted-value.ts',
      'src-reaches-rig-through-its-entry-point src/roam/planted.ts',
      'rig-entry-point-only src/cli/planted.ts',
      'report-reads-records-only src/report/planted.ts',
      'controllers-are-drivers src/controllers/planted.ts',
      'record-is-a-leaf src/record/planted.ts',
      'ping-analysis-is-pure src/ping/planted.ts',
      'strategies-below-cli src/flash/planted.ts',
      'bench-layer-below-strategies src/bench/planted.ts',
      'no-circular src/ping/cycle-a.ts',
    ];
    for (const e of expected) expect([...found], e).toContain(e);
  });
});
