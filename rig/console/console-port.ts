/**
 * A console server's port for one board (ser2net): a TCP listener on loopback (port 0:
 * any free port), raw or telnet (telnet-port.ts). What the board's UART prints goes to
 * every connected client; what any client types goes to the UART. The port stays up
 * when the board's power is off (the console server is its own box): it just has
 * nothing to say.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { escape, TelnetPortCodec } from './telnet-port.ts';

export type ConsolePortMode = 'raw' | 'telnet';

export interface ConsolePort {
  readonly port: number;
  readonly mode: ConsolePortMode;
  /** Send UART output to every client. */
  write(text: string): void;
  /** Telnet clients' RFC 2217 requests, per connection in order (for tests). */
  readonly comPortRequests: string[];
  readonly baud: { baud: number };
  clientCount(): number;
  close(): Promise<void>;
}

export async function startConsolePort(opts: { host: string; mode: ConsolePortMode; onInput: (bytes: Buffer) => void }): Promise<ConsolePort> {
  const clients = new Map<Socket, TelnetPortCodec | null>();
  const baud = { baud: 115200 };
  const comPortRequests: string[] = [];
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    const codec =
      opts.mode === 'telnet'
        ? new TelnetPortCodec(
            {
              data: (b) => opts.onInput(b),
              send: (b) => {
                if (socket.writable) socket.write(b);
              },
            },
            baud,
          )
        : null;
    clients.set(socket, codec);
    if (codec) socket.write(codec.greeting());
    socket.on('data', (d: Buffer) => {
      if (codec) {
        const before = codec.requests.length;
        codec.push(d);
        comPortRequests.push(...codec.requests.slice(before));
      } else opts.onInput(d);
    });
    socket.on('close', () => clients.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('virtual console port: no TCP address');
  let closed: Promise<void> | undefined;
  return {
    port: addr.port,
    mode: opts.mode,
    comPortRequests,
    baud,
    write(text) {
      const bytes = Buffer.from(text, 'latin1');
      for (const [s, codec] of clients) if (s.writable) s.write(codec ? escape(bytes) : bytes);
    },
    clientCount: () => clients.size,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of clients.keys()) s.destroy();
      });
      return closed;
    },
  };
}
