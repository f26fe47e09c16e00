/**
 * What a real board's CPU and its SSH server cost, in real time, so a benchmark of
 * the virtual rig at time scale 1 shows what a bench of 2007 boards costs
 * (docs/virtual-rig.md, "Board costs", for the figures and why).
 *
 * The inventory gives model milliseconds (`virtual.boardCosts`); a lab at time scale
 * S waits ms / S real milliseconds, as every other model duration: at the shipped
 * scale 100 a 60 ms channel costs 0.6 ms, at scale 1 the full 60 ms.
 * - `channelOpenMs`: a session channel (exec, shell or sftp) opened: dropbear forks,
 *   sets up the channel, and answers over an encrypted link a 200 MHz CPU ciphers slowly.
 * - `commandMs`: a process started (fork and exec of busybox: an applet, a device
 *   command, a child `sh`); shell builtins (echo, test, kill, wait) cost nothing.
 * - `commands`: named commands that cost more than `commandMs`, the CPU-bound ones
 *   (insmod relocating a 500 KB module, checksums); their figure replaces `commandMs`
 *   when they are given arguments (alone they only start and read stdin or print usage).
 */
export interface BoardCostFigures {
  channelOpenMs: number;
  commandMs: number;
  commands: Record<string, number>;
}

/** The costs in real milliseconds, for the SSH server and the board's shell. */
export interface ProcessCosts {
  /** Real ms before a process running argv starts. */
  start(argv: string[]): number;
  /** Real ms before a session channel opens. */
  readonly channelOpenMs: number;
}

export function processCosts(figures: BoardCostFigures, timeScale: number): ProcessCosts {
  const real = (modelMs: number): number => Math.max(0, modelMs) / timeScale;
  return {
    // A named command's work is on its arguments (modules, files): alone (a probe reading
    // an empty stdin, a usage message) it costs what any process does.
    start: (argv) => real((argv.length > 1 ? figures.commands[argv[0]?.split('/').pop() ?? ''] : undefined) ?? figures.commandMs),
    channelOpenMs: real(figures.channelOpenMs),
  };
}

/** Wait `ms` real milliseconds (nothing when 0). */
export function pay(ms: number | undefined): Promise<void> | undefined {
  if (!ms || ms <= 0) return undefined;
  return new Promise((resolve) => setTimeout(resolve, ms));
}
