/**
 * The virtual board's command-line interpreter: a small, strict subset of POSIX sh,
 * what the SSH server (server.ts) runs every command line through. The pieces live in
 * shell/: the lexer and parser (a command line is parsed completely before anything
 * runs; a syntax error runs nothing: `sh: syntax error: ...`, status 2), the
 * interpreter, the built-ins, commands as processes (signals, abort), the signal
 * numbers. Refused as syntax errors, so nothing can be smuggled through: command
 * substitution, variables other than `$?`, `&`, subshells, other file descriptors.
 */
export { runCommandLine, type ShellState } from './shell/interpreter.ts';
export { signalForStatus } from './shell/signals.ts';
