/**
 * A `shell` request on a virtual board (RFC 4254, 6.5): an interactive shell, line by
 * line, sharing `$?` across lines. With a pty the board plays the terminal's line
 * discipline: `# ` prompt, echo, backspace, ^C (INT to the running command, or a fresh
 * prompt), ^D on an empty line (end of input), escape sequences dropped, CRLF output.
 * Without a pty it reads lines silently and prints no prompt. The shell is a login
 * shell (`$0` is `-sh`, as dropbear starts it) and keeps its variables and jobs across
 * lines; it is interactive (ash's messages without line numbers) when there is a pty.
 * A line cut short (an open quote, a compound command without its end) continues on
 * the next line (`> ` with a pty), as ash reads it.
 * Commands run from the interactive shell get an empty stdin; `exit` or end of input
 * ends the session with the last status, and the jobs still writing to it hang up.
 */
import { StringDecoder } from 'node:string_decoder';
import type { ServerChannel } from 'ssh2';
import { channelWriter } from './channel-io.ts';
import { hangUpJobs, isIncomplete, runCommandLine, type ShellState } from './shell.ts';
import type { ProcessIO, VirtualDevice } from './types.ts';
import type { ProcessCosts } from './board-costs.ts';

export interface InteractiveShellRequest {
  channel: ServerChannel;
  pty: boolean;
  device: VirtualDevice;
  /** The connection's running sessions (aborted when it drops). */
  live: Set<AbortController>;
  /** Route the session's `signal` requests to the line running now. */
  setDeliver(deliver: (name: string) => void): void;
  log: (m: string) => void;
  /** The board's costs (board-costs.ts). */
  costs?: ProcessCosts;
}

/** An interactive shell on one channel: line by line, `# ` prompt when there is a pty. */
export function runInteractiveShell(r: InteractiveShellRequest): void {
  const { channel, pty, live, device, log } = r;
  const out = channelWriter(channel, pty);
  const sessionCtl = new AbortController();
  live.add(sessionCtl);
  const state: ShellState = { lastStatus: 0 };
  const decoder = new StringDecoder('utf8');
  const queue: string[] = [];
  let current = '';
  let escape = 0;
  let eof = false;
  let busy = false;
  let finished = false;
  let lineSignal: ((name: string) => void) | null = null;
  r.setDeliver((name) => lineSignal?.(name));

  const prompt = (): void => {
    if (pty) out.stdout('# ');
  };
  const end = (status: number): void => {
    if (finished) return;
    finished = true;
    hangUpJobs(state);
    live.delete(sessionCtl);
    if (out.closed) return;
    channel.exit(status);
    out.closed = true;
    channel.end();
  };

  const pump = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      while (queue.length > 0 && !finished && !sessionCtl.signal.aborted) {
        // A wedged kernel runs nothing more: the lines wait in the channel until the power goes.
        if (device.hung) return;
        const line = queue.shift() as string;
        const ctl = new AbortController();
        const onAbort = (): void => ctl.abort(new Error('session closed'));
        sessionCtl.signal.addEventListener('abort', onAbort, { once: true });
        const listeners: ((name: string) => void)[] = [];
        lineSignal = (name) => {
          for (const l of listeners) l(name);
        };
        const io: ProcessIO = {
          // A wedged board: what a running command prints never reaches the wire.
          stdout: { write: (d) => void (device.hung || out.stdout(d)) },
          stderr: { write: (d) => void (device.hung || out.stderr(d)) },
          readStdin: async () => Buffer.alloc(0),
          onSignal: (l) => listeners.push(l),
          abort: ctl.signal,
        };
        try {
          await runCommandLine(line, device, io, state, { interactive: pty, login: true, costs: r.costs });
        } catch (err) {
          out.stderr(`sh: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
        } finally {
          lineSignal = null;
          sessionCtl.signal.removeEventListener('abort', onAbort);
        }
        // The command "never returned": no status, no prompt.
        if (device.hung) return;
        if (state.exited) return end(state.lastStatus);
        prompt();
      }
      if (eof && queue.length === 0) end(state.lastStatus);
    } finally {
      busy = false;
    }
  };

  // A line cut short (an open quote, an `if` without `fi`) waits for the next one, as ash's PS2.
  let pending: string | null = null;
  const submit = (line: string): void => {
    const text = pending === null ? line : `${pending}\n${line}`;
    if (isIncomplete(text)) {
      pending = text;
      if (pty) out.stdout('> ');
      return;
    }
    pending = null;
    queue.push(text);
    void pump();
  };

  const onText = (text: string): void => {
    for (const ch of text) {
      if (escape > 0) {
        // Drop terminal escape sequences (arrow keys and the like).
        if (escape === 1 && ch === '[') escape = 2;
        else if (escape === 1 || /[A-Za-z~]/.test(ch)) escape = 0;
        continue;
      }
      if (!pty) {
        if (ch === '\n') {
          submit(current.replace(/\r$/, ''));
          current = '';
        } else {
          current += ch;
        }
        continue;
      }
      switch (ch) {
        case '\r':
        case '\n':
          out.stdout('\n');
          submit(current);
          current = '';
          break;
        case '\x7f':
        case '\b':
          if (current.length > 0) {
            current = [...current].slice(0, -1).join('');
            out.stdout('\b \b');
          }
          break;
        case '\x03': // ^C
          if (busy && lineSignal) {
            out.stdout('^C\n');
            lineSignal('INT');
          } else {
            current = '';
            pending = null;
            queue.length = 0;
            out.stdout('^C\n');
            prompt();
          }
          break;
        case '\x04': // ^D on an empty line: end of input
          if (current === '') {
            eof = true;
            if (!busy && queue.length === 0) {
              out.stdout('exit\n');
              end(state.lastStatus);
            }
          }
          break;
        case '\x1b':
          escape = 1;
          break;
        default:
          if (ch >= ' ' || ch === '\t') {
            current += ch;
            out.stdout(ch);
          }
      }
    }
  };

  channel.on('data', (d: Buffer) => onText(decoder.write(d)));
  channel.on('end', () => {
    onText(decoder.end());
    if (!pty && current !== '') {
      submit(current);
      current = '';
    }
    if (pending !== null) {
      // End of input inside a quote or compound command: the shell reports the syntax error.
      queue.push(pending);
      pending = null;
      void pump();
    }
    eof = true;
    if (!busy && queue.length === 0) end(state.lastStatus);
  });
  channel.on('close', () => {
    out.closed = true;
    sessionCtl.abort(new Error('channel closed'));
    live.delete(sessionCtl);
    hangUpJobs(state);
    finished = true;
  });
  channel.on('error', (err: Error) => log(`${device.name}: channel error: ${err.message}`));
  prompt();
}
