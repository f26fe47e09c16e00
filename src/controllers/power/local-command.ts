/**
 * A lab's own power script on the controller host: `switch` is run with {action} = on|off
 * and {outlet} replaced, `state` is run and its output matched against onMatch /
 * offMatch. Run with execFile (never a shell: the arguments are not re-parsed), within
 * timeoutS (then killed), in the rig's environment (the script reads its own
 * credentials from there). A non-zero exit names the device, the program, the exit
 * status and the script's stderr. Every switch is read back.
 */
import { execFile } from 'node:child_process';
import { BenchError, ConfigError } from '../../errors.ts';
import type { PowerSpec } from '../../inventory/schema.ts';
import type { PowerState } from '../roles.ts';
import { excerpt } from './http.ts';
import { ReadBackPowerSwitch } from './read-back.ts';
import type { PowerSwitchSpec } from './spec.ts';

type CommandSettings = NonNullable<PowerSpec['command']>;

export class LocalCommandPowerSwitch extends ReadBackPowerSwitch {
  readonly driver = 'command';
  readonly name: string;
  private readonly cmd: CommandSettings;
  private readonly onRe: RegExp;
  private readonly offRe: RegExp;

  constructor(private readonly spec: PowerSwitchSpec) {
    super(spec.settleMs ?? 2000);
    const cmd = spec.settings?.command;
    if (!cmd) throw new ConfigError(`${spec.name}: power driver command needs a command: block (switch, state argv; onMatch, offMatch)`, { code: 'E_POWER_CONFIG', subject: spec.name });
    this.cmd = cmd;
    this.name = spec.name;
    this.onRe = new RegExp(cmd.onMatch);
    this.offRe = new RegExp(cmd.offMatch);
  }

  describe(): string {
    return `power switch for ${this.name} (command ${this.cmd.switch[0]}, outlet ${this.spec.outlet})`;
  }

  private run(template: string[], action: string): Promise<string> {
    const argv = template.map((a) => a.replaceAll('{outlet}', String(this.spec.outlet)).replaceAll('{action}', action));
    const timeout = this.cmd.timeoutS * 1000;
    return new Promise((resolve, reject) => {
      execFile(argv[0], argv.slice(1), { timeout, killSignal: 'SIGKILL', maxBuffer: 1 << 20, env: { ...process.env, ...(this.spec.env ?? {}) } }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number | null; signal?: string | null };
        const what = `${this.describe()}: ${argv[0]} ${action}`;
        let why: string;
        if (e.code === 'ENOENT' || e.code === 'EACCES') why = `cannot run it (${e.code}): check the power entry's command paths`;
        else if (e.killed && e.signal === 'SIGKILL') why = `did not finish within ${this.cmd.timeoutS} s (killed)`;
        else why = `exited with ${typeof e.code === 'number' ? `status ${e.code}` : `signal ${e.signal ?? 'unknown'}`}${stderr.trim() ? `: ${excerpt(stderr.trim())}` : ''}`;
        reject(new BenchError(`${what}: ${why}`, { code: 'E_POWER', subject: this.name }));
      });
    });
  }

  async state(): Promise<PowerState> {
    const out = (await this.run(this.cmd.state, 'state')).trim();
    const on = this.onRe.test(out);
    const off = this.offRe.test(out);
    if (on !== off) return on ? 'on' : 'off';
    throw new BenchError(`${this.describe()}: the state output "${excerpt(out)}" matches ${on ? 'both onMatch and offMatch' : 'neither onMatch nor offMatch'}`, { code: 'E_POWER', subject: this.name });
  }

  protected async askToSwitch(want: PowerState): Promise<void> {
    await this.run(this.cmd.switch, want);
  }
}
