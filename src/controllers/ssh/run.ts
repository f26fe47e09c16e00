/**
 * Run one argv on a device: quoted once (quote.ts), a timeout is a BenchError, and so is
 * a non-zero exit (unless allowed), naming the device, the command and the last lines
 * of stderr. What every driver over SSH uses.
 */
import { BenchError } from '../../errors.ts';
import type { DeviceShell, ExecResult } from './types.ts';
import { redact } from './exec.ts';
import { shellCommand } from './quote.ts';

/** Run a command on a device; a non-zero exit is a BenchError naming device, command and stderr. */
export async function run(shell: DeviceShell, argv: string[], options?: { timeoutMs?: number; stdin?: string; allowFail?: boolean; secrets?: string[] }): Promise<ExecResult> {
  const command = shellCommand(argv);
  const r = await shell.exec(command, { timeoutMs: options?.timeoutMs, stdin: options?.stdin, ...(options?.secrets ? { secrets: options.secrets } : {}) });
  const shown = redact(command, options?.secrets);
  if (r.timedOut) {
    throw new BenchError(`${shell.name}: \`${shown}\` timed out after ${options?.timeoutMs ?? '?'} ms`, { code: 'E_COMMAND_TIMEOUT', subject: shell.name });
  }
  if (r.exitCode !== 0 && !options?.allowFail) {
    const why = redact((r.stderr || r.stdout).trim().split('\n').slice(-2).join(' / '), options?.secrets);
    throw new BenchError(`${shell.name}: \`${shown}\` failed (exit ${r.exitCode ?? r.signal}): ${why}`, { code: 'E_COMMAND', subject: shell.name });
  }
  return r;
}
