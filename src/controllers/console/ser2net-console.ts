/**
 * A board's serial console through a console server (ser2net and the like): a TCP
 * port that is the board's UART, raw (`ser2net-tcp`) or telnet (`ser2net-telnet`,
 * with RFC 2217 where the server speaks it: telnet-client.ts).
 *
 * - The capture: everything the console prints, from `start()` until `close()`, kept
 *   in memory (the last MAX_CAPTURE_CHARS) and handed to `onOutput` as it arrives (the
 *   run folder's console-<device>.log). A connection the server drops is opened again
 *   (bounded backoff) for as long as the console is open; the gap is said in the capture.
 * - `run(command)`: wakes the console (Enter), logs in at `login:` / `Password:` when
 *   asked, waits for the shell prompt, then sends the command followed by an end marker
 *   that carries its exit status: `; echo '<RIG'"nonce"'E='$?'>'`. The marker is written
 *   so that its echo (the terminal echoes what is typed) never matches what it prints.
 *   Output is what came between the echoed line and the marker; stderr is merged (a
 *   console is one stream). Bounded by `timeoutMs`: no prompt, no marker, a timeout.
 * - Passwords go to the console only, never to the capture's reader in clear: the
 *   board does not echo them, and `onOutput` never sees what the rig types.
 */
import * as net from 'node:net';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { BenchError } from '../../errors.ts';
import type { Console } from '../roles.ts';
import type { ExecResult } from '../ssh/types.ts';
import { TelnetDecoder, telnetEscape } from './telnet-client.ts';

export interface ConsoleSpec {
  /** Device the console belongs to. */
  name: string;
  host: string;
  port: number;
  mode: 'raw' | 'telnet';
  /** Login name at `login:` (default root). */
  user?: string;
  /** Password at `Password:` (from the inventory's passwordEnv). */
  password?: string;
  /** Told every piece of console output as it arrives. */
  onOutput?: (text: string) => void;
  /** Connect timeout, real ms (default 5000). */
  connectTimeoutMs?: number;
}

/** Capture kept in memory (older output is in the run folder's file). */
const MAX_CAPTURE_CHARS = 4 * 1024 * 1024;
const RECONNECT_MIN_MS = 200;
const RECONNECT_MAX_MS = 5000;
const PROMPT_RE = /(?:^|\n)[^\n]{0,80}[#$] $/;
const LOGIN_RE = /(?:^|\n)[^\n]{0,80}login: ?$/i;
const PASSWORD_RE = /(?:^|\n)Password: ?$/i;

export class Ser2netConsole implements Console {
  readonly driver: string;
  readonly name: string;
  private socket: net.Socket | null = null;
  private telnet: TelnetDecoder | null = null;
  private text = '';
  private dropped = 0;
  private closed = false;
  private busy: Promise<unknown> = Promise.resolve();
  private listeners = new Set<() => void>();
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectDelay = RECONNECT_MIN_MS;

  constructor(private readonly spec: ConsoleSpec) {
    this.name = spec.name;
    this.driver = spec.mode === 'telnet' ? 'ser2net-telnet' : 'ser2net-tcp';
  }

  get address(): string {
    return `${this.spec.mode === 'telnet' ? 'telnet' : 'tcp'}://${this.spec.host}:${this.spec.port}`;
  }

  /** The console port's baud rate as an RFC 2217 server reported it (null: raw port, or not offered). */
  get baudRate(): number | null {
    return this.telnet?.baudRate ?? null;
  }

  get connected(): boolean {
    return this.socket !== null && !this.socket.destroyed;
  }

  /** Connect (bounded); the capture starts. */
  async start(): Promise<void> {
    await this.connect();
  }

  private connect(): Promise<void> {
    const timeoutMs = this.spec.connectTimeoutMs ?? 5000;
    return new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: this.spec.host, port: this.spec.port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new BenchError(`${this.name}: console server ${this.address} did not accept a connection within ${timeoutMs} ms`, { code: 'E_CONSOLE', subject: this.name }));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        this.socket = socket;
        this.reconnectDelay = RECONNECT_MIN_MS;
        this.telnet =
          this.spec.mode === 'telnet'
            ? new TelnetDecoder({ data: (b) => this.received(b), send: (b) => void (socket.writable && socket.write(b)) })
            : null;
        resolve();
      });
      socket.on('data', (d: Buffer) => (this.telnet ? this.telnet.push(d) : this.received(d)));
      socket.on('error', (err) => {
        clearTimeout(timer);
        if (this.socket !== socket) reject(new BenchError(`${this.name}: cannot reach console server ${this.address}: ${err.message}`, { code: 'E_CONSOLE', subject: this.name }));
      });
      socket.on('close', () => {
        if (this.socket !== socket) return;
        this.socket = null;
        if (!this.closed) this.scheduleReconnect();
      });
    });
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.closed) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.closed) return;
      this.connect().then(
        () => this.append(`\n[rig: console connection to ${this.address} restored]\n`, false),
        () => {
          this.reconnectDelay = Math.min(RECONNECT_MAX_MS, this.reconnectDelay * 2);
          this.scheduleReconnect();
        },
      );
    }, this.reconnectDelay);
    this.reconnectTimer.unref?.();
  }

  private received(bytes: Buffer): void {
    // A UART carries bytes; boards print ASCII and Latin-1 at most.
    this.append(bytes.toString('latin1'), true);
  }

  private append(text: string, fromBoard: boolean): void {
    this.text += text;
    if (this.text.length > MAX_CAPTURE_CHARS) {
      const cut = this.text.length - MAX_CAPTURE_CHARS;
      this.text = this.text.slice(cut);
      this.dropped += cut;
    }
    if (fromBoard || text) this.spec.onOutput?.(text);
    for (const l of [...this.listeners]) l();
  }

  captured(): string {
    return this.text;
  }

  /** Characters captured since the start (a mark for `capturedSince`). */
  get capturedChars(): number {
    return this.dropped + this.text.length;
  }

  /** What the console printed after `mark` (a `capturedChars` value), as far as memory still holds it. */
  capturedSince(mark: number): string {
    return this.text.slice(Math.max(0, mark - this.dropped));
  }

  private write(text: string): void {
    this.writeBytes(Buffer.from(text, 'latin1'));
  }

  /**
   * What a terminal types, passed through; on a telnet port IAC is doubled and a CR not
   * followed by LF goes as CR NUL (RFC 854), so the server hands the board what was typed.
   */
  send(bytes: Buffer): void {
    if (!this.telnet) return this.writeBytes(bytes);
    const out: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      out.push(bytes[i]);
      if (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a) out.push(0x00);
    }
    this.writeBytes(Buffer.from(out));
  }

  private writeBytes(bytes: Buffer): void {
    const s = this.socket;
    if (!s || !s.writable) throw new BenchError(`${this.name}: the console connection to ${this.address} is down`, { code: 'E_CONSOLE', subject: this.name });
    s.write(this.telnet ? telnetEscape(bytes) : bytes);
  }

  /** Enter: CR (a terminal's), as CR NUL on a telnet port (RFC 854). */
  private enter(): string {
    return this.spec.mode === 'telnet' ? '\r\0' : '\r';
  }

  /** Wait until `test` holds on what was captured after `mark`; resolves with that text, or null at the deadline. */
  private waitFor(mark: number, test: (text: string) => boolean, deadline: number): Promise<string | null> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        const t = this.capturedSince(mark);
        if (test(t)) {
          done(t);
          return true;
        }
        return false;
      };
      const done = (v: string | null): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(v);
      };
      const listener = (): void => void check();
      const timer = setTimeout(() => done(null), Math.max(0, deadline - performance.now()));
      this.listeners.add(listener);
      check();
    });
  }

  /** Log in if needed and run one command; one at a time. */
  run(command: string, timeoutMs: number): Promise<ExecResult> {
    const next = this.busy.then(() => this.runNow(command, timeoutMs));
    this.busy = next.catch(() => {});
    return next;
  }

  private async runNow(command: string, timeoutMs: number): Promise<ExecResult> {
    const start = performance.now();
    const deadline = start + timeoutMs;
    const result = (exitCode: number | null, stdout: string, timedOut: boolean): ExecResult => ({ command, exitCode, stdout, stderr: '', durationMs: performance.now() - start, timedOut });
    if (!this.connected) await this.connect();
    if (!(await this.shellPrompt(deadline))) return result(null, '', true);
    const nonce = randomBytes(4).toString('hex');
    const marker = new RegExp(`<RIG${nonce}E=(\\d+)>`);
    const mark = this.capturedChars;
    this.write(`${command}; echo '<RIG'"${nonce}"'E='$?'>'${this.enter()}`);
    const out = await this.waitFor(mark, (t) => marker.test(t) && PROMPT_RE.test(t.slice(t.search(marker))), deadline);
    if (out === null) return result(null, this.capturedSince(mark), true);
    const at = out.search(marker);
    const status = Number(marker.exec(out)![1]);
    // Drop the echoed command line; keep what the command printed.
    const body = out.slice(0, at).replace(/\r/g, '');
    const firstNl = body.indexOf('\n');
    return result(status, firstNl >= 0 ? body.slice(firstNl + 1) : '', false);
  }

  /** Bring the console to a shell prompt: Enter, then log in when it asks. False at the deadline. */
  private async shellPrompt(deadline: number): Promise<boolean> {
    for (let step = 0; step < 6; step++) {
      const mark = this.capturedChars;
      this.write(this.enter());
      const t = await this.waitFor(mark, (s) => PROMPT_RE.test(s) || LOGIN_RE.test(s) || PASSWORD_RE.test(s), Math.min(deadline, performance.now() + 3000));
      if (t === null) {
        if (performance.now() >= deadline) return false;
        continue;
      }
      if (PROMPT_RE.test(t)) return true;
      if (LOGIN_RE.test(t)) {
        const m2 = this.capturedChars;
        this.write(`${this.spec.user ?? 'root'}${this.enter()}`);
        const after = await this.waitFor(m2, (s) => PROMPT_RE.test(s) || PASSWORD_RE.test(s) || LOGIN_RE.test(s.replace(/^[^\n]*\n/, '')), deadline);
        if (after === null) return false;
        if (PROMPT_RE.test(after)) return true;
        if (!PASSWORD_RE.test(after)) continue;
      }
      // At Password: (asked after the login name, or left there before).
      if (this.spec.password === undefined) throw new BenchError(`${this.name}: the console asks for a password and the inventory gives none (console.passwordEnv)`, { code: 'E_CONSOLE_LOGIN', subject: this.name });
      const m3 = this.capturedChars;
      this.write(`${this.spec.password}${this.enter()}`);
      const after = await this.waitFor(m3, (s) => PROMPT_RE.test(s) || LOGIN_RE.test(s) || /incorrect/i.test(s), deadline);
      if (after === null) return false;
      if (PROMPT_RE.test(after)) return true;
      if (/incorrect/i.test(after)) throw new BenchError(`${this.name}: console login refused for ${this.spec.user ?? 'root'} (wrong password in console.passwordEnv?)`, { code: 'E_CONSOLE_LOGIN', subject: this.name });
    }
    return false;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const s = this.socket;
    this.socket = null;
    s?.destroy();
  }
}
