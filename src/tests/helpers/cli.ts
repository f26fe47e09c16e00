import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const BIN = join(ROOT, 'bin/rig.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real `rig` CLI (bin/rig.mjs) as a child process, bounded by a timeout. */
export function runCli(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolveP, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rig ${args.join(' ')} did not finish within ${opts.timeoutMs ?? 240_000} ms\n${stderr.slice(-2000)}`));
    }, opts.timeoutMs ?? 240_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveP({ code, stdout, stderr });
    });
  });
}

export function tempDir(prefix = 'rig-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A copy of the shipped inventory in a temp folder, edited by `edit` (on the parsed
 * YAML document), with the key file pointing at the project's `.rig/` key.
 */
export function inventoryCopy(dir: string, edit?: (doc: ReturnType<typeof parseDocument>) => void): string {
  const doc = parseDocument(readFileSync(join(ROOT, 'inventory.yaml'), 'utf8'));
  for (const bench of ['virtual', 'virtual-wpa', 'virtual-wep', 'virtual-mixed']) {
    for (const dev of ['ap1', 'ap2', 'client']) {
      if (doc.hasIn(['benches', bench, 'devices', dev, 'auth', 'keyFile'])) {
        doc.setIn(['benches', bench, 'devices', dev, 'auth', 'keyFile'], join(ROOT, '.rig/lab_ed25519'));
      }
    }
  }
  edit?.(doc);
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, doc.toString());
  return file;
}

export function readJsonl<T = Record<string, unknown>>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** Exactly what `--json` prints. */
export interface RoamJson {
  runDir: string;
  verdict: string;
  variants: {
    variant: string;
    roams: number;
    valid: number;
    invalid: number;
    lostPerRoam: { median: number; mean: number; p95: number; max: number };
    outageMs: { median: number; mean: number; p95: number; max: number };
    afterAssociationMs: { median: number; mean: number; p95: number; max: number };
  }[];
}
