/**
 * POSIX shell quoting for command lines sent to a board.
 *
 * Every argument is passed through single quotes, the one quoting form whose
 * content no POSIX shell interprets (no `$`, no backslash, no backquote, newlines
 * kept as they are). A single quote inside is written as `'\''`. Arguments made
 * only of characters that no shell treats specially are left bare, so logs stay
 * readable (`iwconfig ath0`, not `'iwconfig' 'ath0'`).
 */

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quote one argument for a POSIX shell. Throws on NUL, which no shell argument can hold. */
export function shellQuote(arg: string): string {
  if (typeof arg !== 'string') throw new TypeError(`shellQuote: expected a string, got ${typeof arg}`);
  if (arg.includes('\0')) throw new Error('shellQuote: an argument cannot contain a NUL character');
  if (SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Join an argv into one command line that a POSIX shell splits back into exactly that argv. */
export function shellCommand(argv: string[]): string {
  if (argv.length === 0) throw new Error('shellCommand: empty argv');
  return argv.map(shellQuote).join(' ');
}
