/**
 * The `commands` module of `npm run bench`: the lines of bench/shell-bench.ts (command
 * round trip through the rig against OpenSSH ControlMaster on real sshd and dropbear,
 * flash of a variant with the board costs on, CLI start) as rows of the table.
 */
import { shellBenchLines, type BenchLine } from './shell-bench.ts';
import type { BenchModule, BenchOptions, BenchRow, BenchSection } from './types.ts';

function row(l: BenchLine): BenchRow {
  const value = l.value === null ? l.note : `${l.value}${l.unit === 'ratio' ? '' : ` ${l.unit}`} (${l.note})`;
  const goal = l.unit === 'ratio' || !l.goal ? l.goal : `${l.goal} ${l.unit}`;
  return { figure: l.name, value, goal, met: l.met };
}

export const commandsBench: BenchModule = {
  name: 'commands',
  async run(opts: BenchOptions): Promise<BenchSection> {
    opts.log('commands: round trips on real sshd and dropbear, flash with board costs, CLI start');
    const lines = await shellBenchLines({ boardCosts: opts.boardCosts, log: opts.log });
    for (const l of lines) opts.log(`  ${l.name}: ${l.value ?? 'unknown'} ${l.unit}`);
    return {
      title: 'Commands: round trip, flash, CLI start',
      rows: lines.map(row),
      notes: [
        'Round trip: a short command (`true`) through the rig\'s device connection (a shell session, the default) and through OpenSSH\'s `ssh` with ControlMaster (the master opened before timing) on the same real server, calls alternating; median and p95 of each; the ratio is rig median / ssh median. sshd runs with a /bin/sh login shell, as a board has. dbclient has no multiplexing, so the OpenSSH client with ControlMaster talks to dropbear. Exit status, stdout and stderr of `echo out; echo err >&2; exit 3` compared on both paths; a hung `sleep 30` with a 0.5 s timeout must time out and the next command run.',
        `Flash: \`rig flash\`'s API (src/api/flash.ts) of the patched variant onto the shipped virtual bench at time scale 1, board costs ${opts.boardCosts ? 'on (`virtual.boardCosts: {}`, the 2007-board defaults of docs/virtual-rig.md; estimates, not measurements)' : 'off (--no-board-costs)'}; the figure is the slowest board (the boards flash side by side); with shell sessions (the default) and with exec channels.`,
        'CLI start: `node bin/rig.mjs --version`, compiled (dist/, built first) and from the sources.',
      ],
    };
  },
};
