/**
 * The virtual board's shell, what the SSH server (server.ts) runs every command line
 * through: POSIX sh as a 2007 busybox board's ash runs it, parsed by mvdan/sh's parser
 * (shell/syntax.ts) and run by shell/interpreter.ts: variables, `if`, `for`, `while`,
 * `until`, `&&`, `||`, `!`, pipes, `&` with `wait`, `jobs` and `kill`, redirections,
 * and the busybox applets that need only the board's files (shell/applets/). A line is
 * parsed whole before anything runs; a syntax error runs nothing (status 2). Refused
 * as syntax errors, so nothing can be smuggled through: command substitution,
 * arithmetic, here-documents, functions, `case`, other file descriptors.
 */
export { runCommandLine, attachedJobsDone, hangUpJobs, type ShellState } from './shell/interpreter.ts';
export { signalForStatus } from './shell/signals.ts';
export { isIncomplete } from './shell/syntax.ts';
export { ChunkQueue } from './shell/streams.ts';
