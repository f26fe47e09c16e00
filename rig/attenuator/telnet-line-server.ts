/**
 * A line-oriented telnet server for the virtual rig's instruments: a TCP server
 * that hands every input line (telnet negotiation removed, see telnet-decoder.ts)
 * to a handler, and writes its reply lines with CRLF, then the prompt when the
 * instrument has one (Aeroflex/Weinschel 83xx: `>`; Mini-Circuits: none).
 *
 * Options: a greeting prompt when a client connects (each connection asks
 * `greet()`, so a hung unit can stay silent), and one client at a time (some units
 * take a single telnet session: a second connection is closed at once, and the
 * slot frees when the first client goes).
 */
import * as net from 'node:net';
import { TelnetLineDecoder } from './telnet-decoder.ts';

export interface TelnetLineSession {
  /** Write each line followed by CRLF, then the prompt if the server has one. No lines: the prompt alone. */
  reply(...lines: (string | Buffer)[]): void;
}

export interface TelnetLineServerOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  /** Written after every reply and, when `greet()` says so, to a new client. */
  prompt?: string;
  /** Turn away a second client while one is connected. */
  oneClientAtATime?: boolean;
  /** Whether a new client is greeted with the prompt (default: yes). */
  greet?: () => boolean;
  /** Longest input line; a client sending a longer one is disconnected (default 4096 bytes). */
  maxLineBytes?: number;
  /** One input line (latin1, untrimmed, no line end). The handler answers through `session.reply`, or not at all. */
  onLine: (line: string, session: TelnetLineSession) => void;
}

export interface TelnetLineServer {
  readonly port: number;
  /** Client connections taken since the start. */
  readonly accepted: number;
  /** Client connections turned away because another client held the unit (`oneClientAtATime`). */
  readonly refused: number;
  /** Cut every client connection (the server keeps listening). */
  dropConnections(): void;
  /** Stop listening and cut every client. Idempotent. */
  close(): Promise<void>;
}

export async function startTelnetLineServer(opts: TelnetLineServerOptions): Promise<TelnetLineServer> {
  const sockets = new Set<net.Socket>();
  let holder: net.Socket | null = null;
  let accepted = 0;
  let refused = 0;

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      if (holder === socket) holder = null;
    });
    socket.on('error', () => {
      /* the client went away; 'close' follows */
    });
    if (opts.oneClientAtATime) {
      if (holder !== null) {
        refused++;
        socket.destroy();
        return;
      }
      holder = socket;
      socket.on('end', () => {
        if (holder === socket) holder = null;
      });
    }
    accepted++;
    const write = (data: string | Buffer): void => {
      if (!socket.destroyed && socket.writable) socket.write(data);
    };
    const session: TelnetLineSession = {
      reply(...lines) {
        const parts: Buffer[] = [];
        for (const l of lines) parts.push(typeof l === 'string' ? Buffer.from(l, 'latin1') : l, Buffer.from('\r\n'));
        if (opts.prompt) parts.push(Buffer.from(opts.prompt, 'latin1'));
        if (parts.length > 0) write(Buffer.concat(parts));
      },
    };
    const decoder = new TelnetLineDecoder(
      {
        line: (text) => opts.onLine(text, session),
        answer: (bytes) => write(bytes),
      },
      opts.maxLineBytes ?? 4096,
    );
    socket.on('data', (chunk: Buffer) => {
      if (!decoder.push(chunk)) socket.destroy(); // no line end in sight: not a client of ours
    });
    if (opts.prompt && (opts.greet?.() ?? true)) write(opts.prompt);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  let closed: Promise<void> | null = null;
  return {
    port: (server.address() as net.AddressInfo).port,
    get accepted() {
      return accepted;
    },
    get refused() {
      return refused;
    },
    dropConnections() {
      for (const s of sockets) s.destroy();
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closed;
    },
  };
}
