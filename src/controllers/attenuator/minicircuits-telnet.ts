/**
 * Mini-Circuits attenuators over telnet (port 23): the same commands as HTTP without
 * the leading slash, one per line, CRLF both ways, no prompt, one reply line per
 * command. One socket per unit, kept open (some units accept one client at a time).
 * The protocol itself is shared with the HTTP driver (minicircuits-http.ts).
 */
import * as net from 'node:net';
import type { AttenuatorDriverSpec } from './types.ts';
import { MiniCircuitsAttenuator, type MiniCircuitsTransport } from './minicircuits-http.ts';
import { DEFAULT_ATTENUATOR_TIMEOUT_MS, NoReplyError, checkSpecAddress, networkErrorText, stripTelnetNegotiation } from './transport-common.ts';

/** Longest reply line accepted before the unit is declared to be talking nonsense. */
const MAX_LINE = 4096;

export class MiniCircuitsTelnetTransport implements MiniCircuitsTransport {
  readonly address: string;
  private socket: net.Socket | null = null;
  private pending: Buffer = Buffer.alloc(0);
  private lines: string[] = [];
  private waiter: { resolve: (line: string) => void; reject: (err: Error) => void } | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs: number,
  ) {
    this.address = `telnet://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  wireForm(command: string): string {
    return `:${command}`;
  }

  private connect(): Promise<net.Socket> {
    return new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new NoReplyError(`could not connect within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onConnectError);
        socket.on('error', () => {
          /* reported through 'close' */
        });
        resolve(socket);
      });
      const onConnectError = (err: Error) => {
        clearTimeout(timer);
        reject(new NoReplyError(networkErrorText(err)));
      };
      socket.once('error', onConnectError);
      socket.on('data', (chunk: Buffer) => {
        if (this.socket !== socket) return;
        this.onData(chunk);
      });
      socket.on('close', () => {
        if (this.socket !== socket) return;
        this.socket = null;
        this.fail(new NoReplyError('connection closed by the unit'));
      });
    });
  }

  private onData(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const nl = this.pending.indexOf(0x0a);
      if (nl < 0) break;
      const line = stripTelnetNegotiation(this.pending.subarray(0, nl)).toString('latin1').replace(/\r$/, '').trim();
      this.pending = this.pending.subarray(nl + 1);
      if (line === '') continue;
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w.resolve(line);
      } else {
        this.lines.push(line);
      }
    }
    if (this.pending.length > MAX_LINE) {
      this.pending = Buffer.alloc(0);
      this.fail(new Error(`reply longer than ${MAX_LINE} bytes without a line end`));
    }
  }

  private fail(err: Error): void {
    if (!this.waiter) return;
    const w = this.waiter;
    this.waiter = null;
    w.reject(err);
  }

  async send(command: string): Promise<string> {
    if (!this.socket || this.socket.destroyed) {
      this.pending = Buffer.alloc(0);
      this.lines = [];
      this.socket = await this.connect();
    }
    const socket = this.socket;
    if (socket.destroyed) {
      this.socket = null;
      throw new NoReplyError('connection closed by the unit');
    }
    // No prompt and one reply per command: anything already received is unsolicited.
    this.lines = [];
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.waiter === waiter) this.waiter = null;
        reject(new NoReplyError(`no reply within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const waiter = {
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (err: Error) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.waiter = waiter;
      socket.write(`${this.wireForm(command)}\r\n`);
    });
  }

  /** Close the socket politely (so a one-client unit frees its slot), bounded, then forget it. */
  async reset(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    this.pending = Buffer.alloc(0);
    this.lines = [];
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

/** Driver factory for Mini-Circuits units over telnet. */
export function createMiniCircuitsTelnetAttenuator(spec: AttenuatorDriverSpec): MiniCircuitsAttenuator {
  checkSpecAddress(spec);
  const timeoutMs = spec.timeoutMs ?? DEFAULT_ATTENUATOR_TIMEOUT_MS;
  return new MiniCircuitsAttenuator(spec, new MiniCircuitsTelnetTransport(spec.host, spec.port, timeoutMs));
}
