/**
 * A virtual Gude Expert Power Control unit (an 8-outlet 8220-class PDU) on loopback,
 * speaking its HTTP interface in "basic compatible" mode:
 *
 *   GET /status.json?components=<mask>[&cmd=1&p=<outlet>&s=<0|1>]
 *        cmd=1 switches outlet p (1-based) off (s=0) or on (s=1); then the status:
 *        components=0 -> {} ; any other mask -> {"outputs":[{"name","state","type",...}, ...]}
 *   GET /ov.html?cmd=1&p=<outlet>&s=<0|1>     the older HTML page: switches, answers HTML
 *
 * With a password set, HTTP basic authentication is required (401 otherwise), as on a
 * unit with "HTTP password" enabled. Switching an outlet calls `onSwitch`: the lab cuts
 * or restores the board's power. Fault `stuck`: the unit answers as usual but the
 * relays do not move (a welded relay, a unit in a bad state).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basicAuthOk } from './basic-auth.ts';

export interface VirtualGudePduOptions {
  host: string;
  port: number;
  outlets?: number;
  /** Outlet names as the unit's web page shows them (default "Power Port N"). */
  names?: Record<number, string>;
  credentials?: { username: string; password: string };
  /** Outlets start on. */
  initiallyOn?: boolean;
  /** Called when an outlet really changes state. */
  onSwitch?: (outlet: number, on: boolean) => void;
}

export class VirtualGudePdu {
  private readonly state: boolean[];
  private stuck = false;
  /** Every switch request the unit got (outlet, wanted state), in order. */
  readonly requests: { outlet: number; on: boolean }[] = [];

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
    private readonly opts: VirtualGudePduOptions,
  ) {
    this.state = Array.from({ length: opts.outlets ?? 8 }, () => opts.initiallyOn ?? true);
  }

  static async start(opts: VirtualGudePduOptions): Promise<VirtualGudePdu> {
    let pdu!: VirtualGudePdu;
    const server = createServer((req, res) => pdu.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => resolve());
    });
    pdu = new VirtualGudePdu(server, opts.host, (server.address() as AddressInfo).port, opts);
    return pdu;
  }

  isOn(outlet: number): boolean {
    return this.state[outlet - 1] === true;
  }

  setFault(fault: 'stuck' | null): void {
    this.stuck = fault === 'stuck';
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }


  private switchOutlet(q: URLSearchParams): boolean {
    if (q.get('cmd') !== '1') return true;
    const p = Number(q.get('p'));
    const s = q.get('s');
    if (!Number.isInteger(p) || p < 1 || p > this.state.length || (s !== '0' && s !== '1')) return false;
    const on = s === '1';
    this.requests.push({ outlet: p, on });
    if (this.stuck || this.state[p - 1] === on) return true;
    this.state[p - 1] = on;
    this.opts.onSwitch?.(p, on);
    return true;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://pdu');
    if (!basicAuthOk(req, this.opts.credentials)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="Expert Power Control"', 'content-type': 'text/html' });
      res.end('<html><body>401 Unauthorized</body></html>');
      return;
    }
    if (req.method !== 'GET' || (url.pathname !== '/status.json' && url.pathname !== '/ov.html')) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html><body>404 Not Found</body></html>');
      return;
    }
    if (!this.switchOutlet(url.searchParams)) {
      res.writeHead(400, { 'content-type': 'text/html' });
      res.end('<html><body>400 Bad Request</body></html>');
      return;
    }
    if (url.pathname === '/ov.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<html><body>${this.state.map((on, i) => `<p>${this.nameOf(i + 1)}: ${on ? 'ON' : 'OFF'}</p>`).join('')}</body></html>`);
      return;
    }
    const components = Number(url.searchParams.get('components') ?? '0');
    const body =
      components === 0
        ? {}
        : { outputs: this.state.map((on, i) => ({ name: this.nameOf(i + 1), state: on ? 1 : 0, type: 1, batch: [0, 0, 0, 0, 0], wdog: [0, 2, ''] })) };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private nameOf(outlet: number): string {
    return this.opts.names?.[outlet] ?? `Power Port ${outlet}`;
  }
}
