/**
 * Signal numbers of the virtual boards (Linux numbering, include/asm-generic/signal.h
 * on 2.6.16) and the shell's `128 + n` status convention for a command a signal
 * killed (POSIX sh, "Exit Status for Commands").
 */

/** Signal numbers used for `128 + n` statuses. */
export const SIGNAL_NUMBERS: Readonly<Record<string, number>> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, ABRT: 6, FPE: 8, KILL: 9, USR1: 10, SEGV: 11,
  USR2: 12, PIPE: 13, ALRM: 14, TERM: 15,
};

/** The status of a command ended by a hangup (its line was aborted: channel closed, connection dropped). */
export const HANGUP_STATUS = 128 + SIGNAL_NUMBERS.HUP;

/** The signal name for a `128 + n` status, if n is a known signal. */
export function signalForStatus(status: number): string | undefined {
  if (status <= 128) return undefined;
  const n = status - 128;
  return Object.keys(SIGNAL_NUMBERS).find((k) => SIGNAL_NUMBERS[k] === n);
}
