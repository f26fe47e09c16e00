/**
 * A virtual NETIO power socket (a PowerPDU 8QS-like unit) on loopback, speaking the
 * NETIO JSON M2M API:
 *
 *   GET  /netio.json   the state document: {"Agent":{...},"GlobalMeasure":{...},"Outputs":[...]}
 *   POST /netio.json   {"Outputs":[{"ID":n,"Action":a}, ...]}: a = 0 off, 1 on, 2 short off,
 *                      3 short on, 4 toggle, 5 no change, 6 ignored; answers the new document
 *
 * Each output: ID (1-based), Name, State 0|1, Action 6, Delay (ms of a short on/off).
 * HTTP basic authentication when credentials are set (401 otherwise, as the JSON API
 * with a user configured). A request it cannot read is 400. Fault `stuck`: answers as
 * usual, the relays do not move.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basicAuthOk } from './basic-auth.ts';
import { OutletBank, type PduFault, type VirtualPdu } from './outlet-bank.ts';

export interface VirtualNetioPduOptions {
  host: string;
  port: number;
  outlets?: number;
  names?: Record<number, string>;
  credentials?: { username: string; password: string };
  initiallyOn?: boolean;
  onSwitch?: (outlet: number, on: boolean) => void;
  /** Short on/off pulse length, real ms (default 500, as the unit's Delay default). */
  shortMs?: number;
}

const MAX_BODY = 64 * 1024;

export class VirtualNetioPdu implements VirtualPdu {
  private readonly bank: OutletBank;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
    private readonly opts: VirtualNetioPduOptions,
  ) {
    this.bank = new OutletBank(opts.outlets ?? 8, opts.initiallyOn ?? true, opts.onSwitch);
  }

  static async start(opts: VirtualNetioPduOptions): Promise<VirtualNetioPdu> {
    let pdu!: VirtualNetioPdu;
    const server = createServer((req, res) => pdu.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => resolve());
    });
    pdu = new VirtualNetioPdu(server, opts.host, (server.address() as AddressInfo).port, opts);
    return pdu;
  }

  get requests(): { outlet: number; on: boolean }[] {
    return this.bank.requests;
  }

  isOn(outlet: number): boolean {
    return this.bank.isOn(outlet);
  }

  setFault(fault: PduFault): void {
    this.bank.setFault(fault);
  }

  close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }


  private document(): string {
    const outputs = Array.from({ length: this.bank.count }, (_, i) => ({
      ID: i + 1,
      Name: this.opts.names?.[i + 1] ?? `output_${i + 1}`,
      State: this.bank.isOn(i + 1) ? 1 : 0,
      Action: 6,
      Delay: this.opts.shortMs ?? 500,
    }));
    return JSON.stringify({
      Agent: { Model: 'NETIO PowerPDU 8QS (virtual)', Version: '3.2.0', JSONVer: '2.1', DeviceName: 'rig-netio', NumOutputs: this.bank.count },
      GlobalMeasure: { Voltage: 230.1, Frequency: 50.0 },
      Outputs: outputs,
    });
  }

  private pulse(outlet: number, on: boolean): void {
    this.bank.switch(outlet, on);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.bank.switch(outlet, !on);
    }, this.opts.shortMs ?? 500);
    this.timers.add(t);
  }

  /** Apply a POSTed document; false if it is not one the unit reads. */
  private apply(body: string): boolean {
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch {
      return false;
    }
    const outputs = (doc as { Outputs?: unknown } | null)?.Outputs;
    if (!Array.isArray(outputs) || outputs.length === 0) return false;
    const actions: { id: number; action: number }[] = [];
    for (const o of outputs as { ID?: unknown; Action?: unknown }[]) {
      if (typeof o?.ID !== 'number' || !this.bank.has(o.ID) || typeof o.Action !== 'number' || !Number.isInteger(o.Action) || o.Action < 0 || o.Action > 6) return false;
      actions.push({ id: o.ID, action: o.Action });
    }
    for (const { id, action } of actions) {
      if (action === 0 || action === 1) this.bank.switch(id, action === 1);
      else if (action === 2) this.pulse(id, false);
      else if (action === 3) this.pulse(id, true);
      else if (action === 4) this.bank.switch(id, !this.bank.isOn(id));
    }
    return true;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://netio');
    const answer = (status: number, body: string, type = 'application/json'): void => {
      if (status === 401) res.setHeader('www-authenticate', 'Basic realm="NETIO"');
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (!basicAuthOk(req, this.opts.credentials)) return answer(401, '401 Unauthorized', 'text/plain');
    if (url.pathname !== '/netio.json') return answer(404, '404 Not Found', 'text/plain');
    if (req.method === 'GET') return answer(200, this.document());
    if (req.method !== 'POST') return answer(405, '405 Method Not Allowed', 'text/plain');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY || !this.apply(Buffer.concat(chunks).toString('utf8'))) return answer(400, '400 Bad Request', 'text/plain');
      answer(200, this.document());
    });
  }
}
