/**
 * One running shell of a virtual board: its variables (the environment dropbear gives
 * a session: USER, LOGNAME, HOME, SHELL, PATH; XCU 2.5.3's IFS), positional
 * parameters, `$$`, `$!`, `$?`, its jobs, and every process it started (the session's
 * process group, where the SSH client's signals go). A child shell (`sh -c`) gets
 * the exported variables; a subshell (`( )`, a pipeline stage) a copy of all of them.
 *
 * Error messages are busybox 1.4 ash's (shell/ash.c exvwarning()): `sh: ` then, inside
 * a builtin, `NAME: LINE: ` (non-interactive) or `NAME: ` (interactive, whose arg0 is
 * the login shell's `-sh`).
 */
import type { ProcessCosts } from '../board-costs.ts';
import type { VirtualDevice } from '../types.ts';
import { JobTable } from './jobs.ts';
import { ProcGroup } from './process.ts';

export interface Variable {
  value: string;
  exported: boolean;
}

export interface ShellOptions {
  /** A terminal is attached (ash's iflag): no line numbers in messages. */
  interactive?: boolean;
  /** A login shell (an SSH `shell` request): `$0` is `-sh`. */
  login?: boolean;
  /** Extra variables (a pty session's TERM, for instance). */
  env?: Record<string, string>;
  /** What starting a process costs on this board (board-costs.ts); children inherit it. */
  costs?: ProcessCosts;
}

/** dropbear's session environment (svr-chansession.c execchild(): DEFAULT_PATH "/usr/bin:/bin"). */
const SESSION_ENV: Record<string, string> = {
  USER: 'root',
  LOGNAME: 'root',
  HOME: '/root',
  SHELL: '/bin/sh',
  PATH: '/usr/bin:/bin',
};

export class Shell {
  readonly vars = new Map<string, Variable>();
  positional: string[] = [];
  arg0: string;
  readonly interactive: boolean;
  /** `$$`. */
  readonly pid: number;
  /** `$!`. */
  lastBgPid: number | null = null;
  lastStatus = 0;
  /** `exit` ran. */
  exited = false;
  readonly jobs = new JobTable();
  /** Every process this shell (and its children) started. */
  readonly session: ProcGroup;
  /** Pids when the device keeps none. */
  readonly pids: { next: number };
  /** What starting a process costs (board-costs.ts); none when undefined. */
  readonly costs: ProcessCosts | undefined;

  constructor(
    readonly device: VirtualDevice,
    opts: ShellOptions & { parent?: Shell; subshell?: boolean } = {},
  ) {
    const parent = opts.parent;
    this.interactive = opts.interactive ?? false;
    this.arg0 = opts.login ? '-sh' : 'sh';
    this.session = parent?.session ?? new ProcGroup();
    this.pids = parent?.pids ?? { next: 1000 };
    this.costs = parent?.costs ?? opts.costs;
    if (parent && opts.subshell) {
      for (const [k, v] of parent.vars) this.vars.set(k, { ...v });
      this.positional = [...parent.positional];
      this.arg0 = parent.arg0;
      this.pid = parent.pid;
      this.lastBgPid = parent.lastBgPid;
      this.lastStatus = parent.lastStatus;
      return;
    }
    this.pid = device.allocatePid?.() ?? this.pids.next++;
    if (parent) {
      for (const [k, v] of parent.vars) if (v.exported) this.vars.set(k, { ...v });
    } else {
      for (const [k, v] of Object.entries({ ...SESSION_ENV, ...opts.env })) this.vars.set(k, { value: v, exported: true });
    }
    this.vars.set('IFS', { value: ' \t\n', exported: false });
  }

  get(name: string): string | undefined {
    return this.vars.get(name)?.value;
  }

  set(name: string, value: string): void {
    const v = this.vars.get(name);
    this.vars.set(name, { value, exported: v?.exported ?? false });
  }

  /** The special and positional parameters, then the variables (XCU 2.5.1, 2.5.2). */
  param(name: string): string | undefined {
    switch (name) {
      case '?':
        return String(this.lastStatus);
      case '$':
        return String(this.pid);
      case '!':
        return this.lastBgPid === null ? '' : String(this.lastBgPid);
      case '#':
        return String(this.positional.length);
      case '0':
        return this.arg0;
      case '-':
        return this.interactive ? 'i' : '';
      case '@':
      case '*':
        return this.positional.join(' ');
    }
    if (/^\d+$/.test(name)) return this.positional[Number(name) - 1];
    return this.get(name);
  }

  /** `sh: ` and, inside a builtin, its name (and line, when not interactive). */
  prefix(builtin?: string, line = 1): string {
    if (!builtin) return `${this.arg0}: `;
    return this.interactive ? `${this.arg0}: ${builtin}: ` : `${this.arg0}: ${builtin}: ${line}: `;
  }
}
