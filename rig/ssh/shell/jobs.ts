/**
 * Background jobs of the virtual board shell (`list &`, XCU 2.9.3.1) and busybox 1.4
 * ash's builtins over them (shell/ash.c): `jobs` (showjob(): `[N] + Running` padded
 * to column 33, then the command; `Done`, `Done(N)` or the signal's strsignal()),
 * `wait [pid | %job]...` (no operand: every job, status 0; an unknown pid: 127,
 * silently; a job: its status) and `kill [-s SIG | -SIG] pid | %job...` / `kill -l`
 * (killcmd(): `No such job: %N` and a bad option are errors, status 2; a pid that is
 * no process: `(PID) - No such process`, status 1; `kill -l` as busybox's kill applet
 * prints it, signals.ts).
 */
import { ProcGroup } from './process.ts';
import { HANGUP_STATUS, SIGNAL_DESCRIPTIONS, parseSignal, signalName, signalTable } from './signals.ts';

export class Job {
  /** Its exit status once done. */
  status: number | null = null;
  readonly group = new ProcGroup();
  readonly done: Promise<number>;
  private finish!: (status: number) => void;

  constructor(
    readonly id: number,
    /** `$!`: the pid of the job's (last) command. */
    readonly pid: number,
    readonly text: string,
    /** Its output goes to the session's channel (an exec session waits for it before it ends). */
    readonly attached: boolean,
    /** Ends the job's commands (a hangup). */
    readonly controller: AbortController,
  ) {
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  end(status: number): void {
    if (this.status !== null) return;
    this.status = status;
    this.finish(status);
  }
}

export class JobTable {
  private readonly jobs: Job[] = [];

  add(pid: number, text: string, attached: boolean, controller: AbortController): Job {
    let id = 1;
    while (this.jobs.some((j) => j.id === id)) id++;
    const job = new Job(id, pid, text, attached, controller);
    this.jobs.push(job);
    return job;
  }

  list(): Job[] {
    return [...this.jobs];
  }

  running(): Job[] {
    return this.jobs.filter((j) => j.status === null);
  }

  forget(job: Job): void {
    const i = this.jobs.indexOf(job);
    if (i >= 0) this.jobs.splice(i, 1);
  }

  /** ash getjob(): `%N`, `%%`, `%+`, `%-`, `%PREFIX`, `%?TEXT`; a string is the error. */
  find(spec: string): Job | string {
    const current = this.jobs[this.jobs.length - 1];
    const p = spec.slice(1);
    if (p === '' || p === '%' || p === '+') return current ?? 'No current job';
    if (p === '-') return this.jobs[this.jobs.length - 2] ?? 'No previous job';
    if (/^\d+$/.test(p)) return this.jobs.find((j) => j.id === Number(p)) ?? `No such job: ${spec}`;
    const match = p.startsWith('?') ? (j: Job) => j.text.includes(p.slice(1)) : (j: Job) => j.text.startsWith(p);
    const found = this.jobs.filter(match);
    if (found.length === 1) return found[0];
    return found.length > 1 ? `${spec}: ambiguous` : `No such job: ${spec}`;
  }

  byPid(pid: number): Job | undefined {
    return this.jobs.find((j) => j.pid === pid);
  }

  /** ash showjob(), mode 0. */
  describe(job: Job): string {
    const jobs = this.jobs;
    const mark = job === jobs[jobs.length - 1] ? '+' : job === jobs[jobs.length - 2] ? '-' : ' ';
    const head = `[${job.id}] ${mark} ${describeStatus(job.status)}`;
    return `${head}${' '.repeat(Math.max(1, 33 - head.length))}${job.text}\n`;
  }
}

function describeStatus(status: number | null): string {
  if (status === null) return 'Running';
  if (status > 128) {
    const name = signalName(status - 128);
    if (name) return SIGNAL_DESCRIPTIONS[name] ?? `Signal ${status - 128}`;
  }
  return status === 0 ? 'Done' : `Done(${status})`;
}

/** What the job builtins need of their shell. */
export interface JobShell {
  jobs: JobTable;
  abort: AbortSignal;
  /** kill(2) of a process that is not one of this shell's jobs (the board's table); false: no such process. */
  signalPid(pid: number, signal: string): boolean;
  out(text: string): void;
  /** An error as ash words it (the builtin's name prefixed); returns the status. */
  error(message: string, status: number): number;
}

/** `jobs`: every job, done ones once (then forgotten). */
export function jobsBuiltin(sh: JobShell): number {
  for (const job of sh.jobs.list()) {
    sh.out(sh.jobs.describe(job));
    if (job.status !== null) sh.jobs.forget(job);
  }
  return 0;
}

/** `wait [pid | %job]...`. */
export async function waitBuiltin(args: string[], sh: JobShell): Promise<number> {
  const aborted = new Promise<number>((resolve) => {
    if (sh.abort.aborted) resolve(HANGUP_STATUS);
    sh.abort.addEventListener('abort', () => resolve(HANGUP_STATUS), { once: true });
  });
  if (args.length === 0) {
    const all = Promise.all(sh.jobs.running().map((j) => j.done)).then(() => 0);
    const status = await Promise.race([all, aborted]);
    for (const j of sh.jobs.list()) if (j.status !== null) sh.jobs.forget(j);
    return status;
  }
  let status = 127;
  for (const a of args) {
    let job: Job | undefined;
    if (a.startsWith('%')) {
      const found = sh.jobs.find(a);
      if (typeof found === 'string') return sh.error(found, 2);
      job = found;
    } else {
      if (!/^\d+$/.test(a)) return sh.error(`Illegal number: ${a}`, 2);
      job = sh.jobs.byPid(Number(a));
      if (!job) {
        status = 127;
        continue;
      }
    }
    status = await Promise.race([job.done, aborted]);
    if (status === HANGUP_STATUS && sh.abort.aborted) return status;
    sh.jobs.forget(job);
  }
  return status;
}

const KILL_USAGE = 'Usage: kill [-s sigspec | -signum | -sigspec] [pid | job]... or\nkill -l [exitstatus]';

/** `kill`. */
export function killBuiltin(args: string[], sh: JobShell): number {
  if (args.length === 0) return sh.error(KILL_USAGE, 2);
  let signal: number | undefined;
  let list = false;
  let k = 0;
  const first = args[0];
  if (first.startsWith('-') && first !== '-') {
    signal = parseSignal(first.slice(1));
    k = 1;
    if (signal === undefined) {
      // Not a signal: options (nextopt("ls:")).
      if (first === '-l') list = true;
      else if (first === '-s') {
        const name = args[1];
        if (name === undefined) return sh.error('-s requires an argument', 2);
        signal = parseSignal(name);
        if (signal === undefined) return sh.error(`invalid signal number or name: ${name}`, 2);
        k = 2;
      } else return sh.error(`Illegal option ${first.slice(0, 2)}`, 2);
    }
  }
  const rest = args.slice(k);
  if (list) {
    if (rest.length === 0) {
      sh.out(signalTable());
      return 0;
    }
    const n = Number(rest[0]);
    const name = /^\d+$/.test(rest[0]) ? signalName(n > 128 ? n - 128 : n) : undefined;
    if (!name) return sh.error(`invalid signal number or exit status: ${rest[0]}`, 2);
    sh.out(`${name}\n`);
    return 0;
  }
  if (rest.length === 0) return sh.error(KILL_USAGE, 2);
  const name = signalName(signal ?? 15) ?? String(signal);
  let status = 0;
  for (const target of rest) {
    if (target.startsWith('%')) {
      const job = sh.jobs.find(target);
      if (typeof job === 'string') return sh.error(job, 2);
      if (job.status === null) job.group.deliver(name);
      continue;
    }
    if (!/^-?\d+$/.test(target)) return sh.error(`Illegal number: ${target}`, 2);
    const pid = Number(target);
    const job = sh.jobs.byPid(pid);
    if (job && job.status === null) job.group.deliver(name);
    else if (!sh.signalPid(pid, name)) {
      sh.error(`(${pid}) - No such process`, 1);
      status = 1;
    }
  }
  return status;
}
