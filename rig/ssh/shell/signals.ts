/**
 * Signals of the virtual boards, which are MIPS boards: the numbers of Linux 2.6.16's
 * include/asm-mips/signal.h (USR1 is 16 there, not 10), the names busybox knows
 * (libbb/u_signal_names.c: the ones SUSv3 and POSIX name), the shell's `128 + n`
 * status for a command a signal killed (XCU 2.8.2), and `kill -l` as busybox 1.4's
 * kill applet prints it (procps/kill.c: `"%2d) %-6s"`, a new line once the column
 * passes 66).
 */

/** Signal numbers, MIPS numbering. */
export const SIGNAL_NUMBERS: Readonly<Record<string, number>> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, FPE: 8, KILL: 9, SEGV: 11,
  PIPE: 13, ALRM: 14, TERM: 15, USR1: 16, USR2: 17, CHLD: 18, STOP: 23, TSTP: 24,
  CONT: 25, TTIN: 26, TTOU: 27,
};

/** The status of a command ended by a hangup (its line was aborted: channel closed, connection dropped). */
export const HANGUP_STATUS = 128 + SIGNAL_NUMBERS.HUP;

/** The signal name for a number, if busybox knows one. */
export function signalName(n: number): string | undefined {
  return Object.keys(SIGNAL_NUMBERS).find((k) => SIGNAL_NUMBERS[k] === n);
}

/** The signal name for a `128 + n` status, if n is a known signal. */
export function signalForStatus(status: number): string | undefined {
  return status > 128 ? signalName(status - 128) : undefined;
}

/** busybox get_signum(): a number, a name, or SIGNAME, any case; undefined if none. */
export function parseSignal(spec: string): number | undefined {
  if (/^\d+$/.test(spec)) return Number(spec);
  const up = spec.toUpperCase().replace(/^SIG/, '');
  return SIGNAL_NUMBERS[up];
}

/** `kill -l`: every named signal 1..31, seven to a line. */
export function signalTable(): string {
  let out = '';
  let col = 0;
  for (let n = 1; n < 32; n++) {
    const name = signalName(n);
    if (!name) continue;
    if (col > 66) {
      out += '\n';
      col = 0;
    }
    const cell = `${String(n).padStart(2)}) ${name.padEnd(6)}`;
    out += cell;
    col += cell.length;
  }
  return `${out}\n`;
}

/** strsignal() wording (uClibc), what ash's `jobs` shows for a job a signal ended. */
export const SIGNAL_DESCRIPTIONS: Readonly<Record<string, string>> = {
  HUP: 'Hangup', INT: 'Interrupt', QUIT: 'Quit', KILL: 'Killed', PIPE: 'Broken pipe',
  ALRM: 'Alarm clock', TERM: 'Terminated', USR1: 'User defined signal 1', USR2: 'User defined signal 2',
  SEGV: 'Segmentation fault', ABRT: 'Aborted',
};
