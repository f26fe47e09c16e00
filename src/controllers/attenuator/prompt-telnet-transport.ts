/**
 * Telnet client for instruments that show a prompt (Aeroflex/Weinschel 83xx: `>`):
 * the unit prints its prompt when a client connects and after every command, so a
 * command's reply is whatever it printed between the command and its next prompt
 * (no lines for a set, one line for a query). Public lab drivers read the same way
 * (Android ACTS `attenuator_lib/_tnhelper.py`: read up to the prompt, write the
 * command with CRLF, read the reply).
 *
 * - One socket per unit, opened on first use; opening waits for the first prompt.
 * - Telnet negotiation from the unit is dropped (stripTelnetNegotiation), also when a
 *   sequence is split across TCP segments: the reply's raw bytes are kept and filtered
 *   whole each time (replies are short; 4 KB without a prompt is an error).
 * - A unit that echoes the command: an echoed first line is dropped.
 * - No prompt in time, or the connection closing: NoReplyError (the driver reopens and
 *   retries once); anything already received before a command is discarded.
 */
import * as net from 'node:net';
import { NoReplyError, networkErrorText, stripTelnetNegotiation } from './transport-common.ts';

/** Longest reply accepted before the unit is declared to be talking nonsense. */
const MAX_REPLY_BYTES = 4096;

interface Waiter {
  /** The command whose reply this is (null: the greeting prompt after connecting). */
  command: string | null;
  resolve: (lines: string[]) => void;
  reject: (err: Error) => void;
}

export class PromptTelnetTransport {
  readonly address: string;
  private socket: net.Socket | null = null;
  private raw: Buffer = Buffer.alloc(0);
  private waiter: Waiter | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs: number,
    private readonly prompt: string,
  ) {
    this.address = `telnet://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  /** Open the connection and wait for the unit's first prompt. */
  private connect(): Promise<net.Socket> {
    return new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port });
      socket.setNoDelay(true);
      this.socket = socket;
      this.raw = Buffer.alloc(0);
      let connected = false;
      const timer = setTimeout(() => {
        this.waiter = null;
        this.socket = null;
        socket.destroy();
        reject(new NoReplyError(connected ? `no prompt within ${this.timeoutMs} ms of connecting` : `could not connect within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiter = {
        command: null,
        resolve: () => {
          clearTimeout(timer);
          resolve(socket);
        },
        reject: (err) => {
          clearTimeout(timer);
          if (this.socket === socket) this.socket = null;
          socket.destroy();
          reject(err);
        },
      };
      socket.once('connect', () => {
        connected = true;
      });
      socket.on('error', (err) => {
        if (this.socket === socket && !connected) this.fail(new NoReplyError(networkErrorText(err)));
        // after connecting: reported through 'close'
      });
      socket.on('data', (chunk: Buffer) => {
        if (this.socket === socket) this.onData(chunk);
      });
      socket.on('close', () => {
        if (this.socket !== socket) return;
        this.socket = null;
        this.fail(new NoReplyError('connection closed by the unit'));
      });
    });
  }

  private onData(chunk: Buffer): void {
    this.raw = this.raw.length ? Buffer.concat([this.raw, chunk]) : chunk;
    if (!this.waiter) return;
    const text = stripTelnetNegotiation(this.raw).toString('latin1');
    const lines = this.untilPrompt(text);
    if (lines) {
      this.raw = Buffer.alloc(0);
      const w = this.waiter;
      this.waiter = null;
      w.resolve(lines);
    } else if (this.raw.length > MAX_REPLY_BYTES) {
      this.raw = Buffer.alloc(0);
      this.fail(new Error(`reply longer than ${MAX_REPLY_BYTES} bytes without a prompt`));
    }
  }

  /** The reply lines when `text` ends with the prompt (trailing white space aside), else null. */
  private untilPrompt(text: string): string[] | null {
    const trimmed = text.replace(/\s+$/, '');
    if (!trimmed.endsWith(this.prompt)) return null;
    const body = trimmed.slice(0, trimmed.length - this.prompt.length);
    if (body !== '' && !/[\r\n]$/.test(body.replace(/[ \t]+$/, ''))) return null; // the prompt starts a line
    const lines = body
      .split(/\r?\n|\r/)
      .map((l) => l.trim())
      .filter((l) => l !== '');
    const command = this.waiter?.command;
    if (command && lines.length > 0 && lines[0].toUpperCase() === command.toUpperCase()) lines.shift();
    return lines;
  }

  private fail(err: Error): void {
    if (!this.waiter) return;
    const w = this.waiter;
    this.waiter = null;
    w.reject(err);
  }

  /** One command; resolves with the lines the unit printed before its prompt. Rejects with NoReplyError when none came. */
  async send(command: string): Promise<string[]> {
    const socket = this.socket && !this.socket.destroyed ? this.socket : await this.connect();
    this.raw = Buffer.alloc(0); // nothing is pending: anything received since is unsolicited
    return new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.waiter === waiter) this.waiter = null;
        reject(new NoReplyError(`no reply within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const waiter: Waiter = {
        command,
        resolve: (lines) => {
          clearTimeout(timer);
          resolve(lines);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.waiter = waiter;
      socket.write(`${command}\r\n`);
    });
  }

  /** Close the socket politely, bounded, then forget it: the next `send` opens a fresh one. */
  async reset(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    this.raw = Buffer.alloc(0);
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, Math.min(this.timeoutMs, 1000));
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }

  async close(): Promise<void> {
    this.fail(new Error('closed'));
    await this.reset();
  }
}
