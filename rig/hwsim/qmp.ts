/**
 * A minimal QMP client (QEMU Machine Protocol: JSON lines over a socket): the greeting,
 * `qmp_capabilities`, then one command at a time. The hwsim lab uses it to ask QEMU
 * which loopback ports its user-mode network forwards (`info usernet` through
 * `human-monitor-command`), so the ports are the OS's choice (hostfwd port 0) and no
 * free-port guess can race another process.
 */
import { connect, type Socket } from 'node:net';

export class Qmp {
  private buffer = '';
  private waiting: ((msg: Record<string, unknown>) => void)[] = [];

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buffer += d;
      for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, nl).trim();
        this.buffer = this.buffer.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as Record<string, unknown>;
        if ('event' in msg) continue; // asynchronous events: not waited for here
        this.waiting.shift()?.(msg);
      }
    });
  }

  /** Connect, take the greeting, leave capabilities negotiation mode. */
  static async open(path: string, timeoutMs: number): Promise<Qmp> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(path);
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    const qmp = new Qmp(socket);
    await qmp.next(timeoutMs); // {"QMP": {...}}
    await qmp.execute('qmp_capabilities', undefined, timeoutMs);
    return qmp;
  }

  private next(timeoutMs: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`QMP: no answer within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  }

  async execute(command: string, args: Record<string, unknown> | undefined, timeoutMs: number): Promise<unknown> {
    const answer = this.next(timeoutMs);
    this.socket.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + '\n');
    const m = await answer;
    if ('error' in m) throw new Error(`QMP ${command}: ${JSON.stringify(m.error)}`);
    return m.return;
  }

  async hmp(commandLine: string, timeoutMs: number): Promise<string> {
    return String(await this.execute('human-monitor-command', { 'command-line': commandLine }, timeoutMs));
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * Host port per guest port from `info usernet`:
 *   TCP[HOST_FORWARD]  11       127.0.0.1 36309       10.0.2.15  2201     0     0
 */
export function parseHostForwards(infoUsernet: string): Map<number, number> {
  const ports = new Map<number, number>();
  for (const line of infoUsernet.split(/\r?\n/)) {
    const m = /^\s*TCP\[HOST_FORWARD\]\s+\d+\s+\S+\s+(\d+)\s+\S+\s+(\d+)\b/.exec(line);
    if (m) ports.set(Number(m[2]), Number(m[1]));
  }
  return ports;
}
