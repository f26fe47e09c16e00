/**
 * The virtual Mini-Circuits programmable attenuator: one unit (RCDAT / RUDAT single
 * channel, RC4DAT / RC8DAT multi-channel) speaking the unit's HTTP protocol and,
 * optionally, its telnet protocol (no prompt, one client at a time), on loopback.
 * See docs/attenuators.md ("Mini-Circuits, HTTP" and "Mini-Circuits, telnet").
 *
 * Deliberately independent of the controller's driver code (src/controllers/attenuator):
 * the two sides are written from the protocol description and tested against each other;
 * the telnet side is the rig's own (telnet-line-server.ts).
 */
import * as http from 'node:http';
import type * as net from 'node:net';
import { VirtualRigError } from '../errors.ts';
import { garbageReply } from './garbage-reply.ts';
import { startTelnetLineServer, type TelnetLineServer } from './telnet-line-server.ts';
import type { VirtualAttenuator, VirtualAttenuatorFault, VirtualAttenuatorSpec } from './types.ts';

export type MiniCircuitsFault = VirtualAttenuatorFault | null;

/** Model families this virtual unit answers for (prefix of the model string). */
export const MINICIRCUITS_MODEL_PREFIXES = ['RCDAT', 'RUDAT', 'RC4DAT', 'RC8DAT'] as const;

/** Requests a virtual unit remembers (tests look at the first few; a soak must not grow). */
export const REQUESTS_KEPT = 10_000;
function keep<T>(log: T[], record: T): void {
  log.push(record);
  if (log.length > 2 * REQUESTS_KEPT) log.splice(0, log.length - REQUESTS_KEPT);
}

export interface MiniCircuitsServerOptions {
  /** e.g. `RCDAT-6000-60`, `RUDAT-6000-30`, `RC4DAT-6G-95`, `RC8DAT-6G-95`. */
  model: string;
  serial?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  httpPort?: number;
  /** 0 (default) = start a telnet server on any free port, a number = that port, null = no telnet. */
  telnetPort?: number | null;
  /** Attenuation of every channel at power-on. Default 0. */
  initialDb?: number;
  /** Called for every effective change (the value of a channel really changed). */
  onChange?: (channel: number, db: number) => void;
  /**
   * Answer each request this long after it arrives (default 0: at once). A slow unit makes
   * requests that overlap visible (`maxInFlight`); the value is set when the answer goes.
   */
  replyDelayMs?: number;
}

/** One command the unit received (counted before any fault applies). */
export interface MiniCircuitsRequestRecord {
  protocol: 'http' | 'telnet';
  /** The command as received: the HTTP path (`/:ATT?`) or the telnet line (`:ATT?`). */
  command: string;
  /** The reply sent; null when none was (timeout fault) or garbage was sent. */
  reply: string | null;
}

export interface MiniCircuitsServer extends VirtualAttenuator {
  readonly httpPort: number;
  readonly telnetPort: number | null;
  /** The commands the unit saw, in order (HTTP and telnet together): the last REQUESTS_KEPT to 2 x REQUESTS_KEPT of them (a 10,000-roam soak sends 120,000). */
  readonly requests: readonly MiniCircuitsRequestRecord[];
  /** The most requests the unit was working on at one moment (1: one at a time; with `replyDelayMs` > 0 overlaps show). */
  readonly maxInFlight: number;
  /** `timeout`: accept each request but never answer; `garbage`: answer random non-protocol bytes; null: behave. */
  setFault(fault: MiniCircuitsFault): void;
}

export const MINICIRCUITS_STEP_DB = 0.25;

interface UnitModel {
  family: string;
  maxDb: number;
  channels: number;
}

function describeModel(model: string): UnitModel {
  const m = /^(RUDAT|RCDAT|RC4DAT|RC8DAT)-([A-Z0-9.]+)-(\d+(?:\.\d+)?)$/i.exec(model.trim());
  if (!m) {
    throw new VirtualRigError(
      `virtual Mini-Circuits unit: unsupported model "${model}" (expected e.g. RCDAT-6000-60 or RC4DAT-6G-95)`,
      'E_VIRTUAL_ATTENUATOR_MODEL',
      'config',
    );
  }
  const prefix = m[1].toUpperCase();
  const channels = prefix === 'RC4DAT' ? 4 : prefix === 'RC8DAT' ? 8 : 1;
  const maxDb = Number(m[3]);
  if (!(maxDb > 0)) {
    throw new VirtualRigError(`virtual Mini-Circuits unit: model "${model}" has no maximum attenuation`, 'E_VIRTUAL_ATTENUATOR_MODEL', 'config');
  }
  return { family: `${m[1]}-${m[2]}`, maxDb, channels };
}

/** The unit's number format: `30.25`, `30.5`, `30`, `0`. */
function formatDb(db: number): string {
  return String(Math.round(db * 100) / 100);
}

export async function startMiniCircuitsServer(opts: MiniCircuitsServerOptions): Promise<MiniCircuitsServer> {
  const unit = describeModel(opts.model);
  const model = opts.model.trim();
  const serial = opts.serial ?? '11901010034';
  const host = opts.host ?? '127.0.0.1';
  const initial = opts.initialDb ?? 0;
  if (!(initial >= 0 && initial <= unit.maxDb)) {
    throw new VirtualRigError(`virtual ${model}: initial attenuation ${initial} dB is outside the unit's range 0..${unit.maxDb} dB`, 'E_VIRTUAL_ATTENUATOR_RANGE', 'config');
  }
  const values: number[] = new Array(unit.channels).fill(Math.round(initial / MINICIRCUITS_STEP_DB) * MINICIRCUITS_STEP_DB);
  const requests: MiniCircuitsRequestRecord[] = [];
  let fault: MiniCircuitsFault = null;
  const delayMs = opts.replyDelayMs ?? 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let httpConnections = 0;

  /** Work on one request: `answer` runs after the reply delay (at once without one). */
  function handle(answer: () => void): void {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const done = (): void => {
      inFlight--;
      answer();
    };
    if (delayMs > 0) setTimeout(done, delayMs);
    else done();
  }

  const unrecognized = `-99 Unrecognized Command. MN:${unit.family}`;

  /** Set channels (1-based, already validated) to a requested value; returns the reply. */
  function applySet(channels: number[], raw: string): string {
    if (!/^\+?\d+(\.\d*)?$|^\+?\.\d+$/.test(raw)) return '0';
    const requested = Number(raw);
    if (!Number.isFinite(requested) || requested < 0) return '0';
    let reply = '1';
    let value = Math.round(requested / MINICIRCUITS_STEP_DB) * MINICIRCUITS_STEP_DB;
    if (requested > unit.maxDb) {
      value = unit.maxDb;
      reply = '2';
    }
    for (const ch of channels) {
      const before = values[ch - 1];
      values[ch - 1] = value;
      if (before !== value) opts.onChange?.(ch, value);
    }
    return reply;
  }

  function validChannel(n: number): boolean {
    return Number.isInteger(n) && n >= 1 && n <= unit.channels;
  }

  /** Execute one command; `cmd` has no leading slash. */
  function execute(cmdRaw: string): string {
    let cmd = cmdRaw.trim();
    if (cmd.startsWith(':')) cmd = cmd.slice(1);
    const up = cmd.toUpperCase();
    if (up === 'MN?') return `MN=${model}`;
    if (up === 'SN?') return `SN=${serial}`;
    if (unit.channels === 1) {
      if (up === 'ATT?') return formatDb(values[0]);
      const set = /^SETATT=(.*)$/.exec(up);
      if (set) return applySet([1], set[1]);
      return unrecognized;
    }
    const read = /^CHAN:(\d+):ATT\?$/.exec(up);
    if (read) {
      const ch = Number(read[1]);
      return validChannel(ch) ? formatDb(values[ch - 1]) : unrecognized;
    }
    const set = /^CHAN:((?:\d+:)+)SETATT:(.*)$/.exec(up);
    if (set) {
      const channels = set[1].split(':').filter((s) => s !== '').map(Number);
      if (!channels.every(validChannel)) return '0';
      return applySet(channels, set[2]);
    }
    return unrecognized;
  }

  // ---- HTTP ----
  const httpServer = http.createServer((req, res) => {
    let path = req.url ?? '/';
    try {
      path = decodeURIComponent(path);
    } catch {
      /* keep raw */
    }
    const record: MiniCircuitsRequestRecord = { protocol: 'http', command: path, reply: null };
    keep(requests, record);
    if (fault === 'timeout') return; // accepted, never answered (closed with the server or by the client)
    if (fault === 'garbage') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(garbageReply());
      return;
    }
    const cmd = path.startsWith('/') ? path.slice(1) : path;
    handle(() => {
      const reply = req.method === 'GET' ? execute(cmd) : unrecognized;
      record.reply = reply;
      res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(reply) });
      res.end(reply);
    });
  });
  httpServer.keepAliveTimeout = 5000;
  httpServer.on('connection', () => {
    httpConnections++;
  });

  await listen(httpServer, opts.httpPort ?? 0, host);

  // ---- telnet: the same commands, one per line, no prompt, one client at a time ----
  let telnetServer: TelnetLineServer | null = null;
  if (opts.telnetPort !== null) {
    try {
      telnetServer = await startTelnetLineServer({
        host,
        port: opts.telnetPort ?? 0,
        oneClientAtATime: true,
        onLine(raw, session) {
          const line = raw.trim();
          if (line === '') return;
          const record: MiniCircuitsRequestRecord = { protocol: 'telnet', command: line, reply: null };
          keep(requests, record);
          if (fault === 'timeout') return;
          if (fault === 'garbage') {
            session.reply(garbageReply());
            return;
          }
          handle(() => {
            const reply = execute(line);
            record.reply = reply;
            session.reply(reply);
          });
        },
      });
    } catch (err) {
      httpServer.closeAllConnections();
      await new Promise<void>((r) => httpServer.close(() => r()));
      throw err;
    }
  }
  const httpPort = (httpServer.address() as net.AddressInfo).port;
  const telnetPort = telnetServer ? telnetServer.port : null;

  let closed: Promise<void> | null = null;
  return {
    httpPort,
    telnetPort,
    ports: { http: httpPort, telnet: telnetPort },
    model,
    serial,
    channels: unit.channels,
    maxDb: unit.maxDb,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    connectionCounts: () => ({ http: httpConnections, telnet: telnetServer?.accepted ?? 0, telnetRefused: telnetServer?.refused ?? 0 }),
    get(channel: number): number {
      if (!validChannel(channel)) throw new RangeError(`channel ${channel} outside 1..${unit.channels} on ${model}`);
      return values[channel - 1];
    },
    setFault(f: MiniCircuitsFault): void {
      fault = f;
    },
    close(): Promise<void> {
      if (closed) return closed;
      closed = (async () => {
        const waits: Promise<void>[] = [new Promise<void>((r) => httpServer.close(() => r()))];
        httpServer.closeAllConnections();
        if (telnetServer) waits.push(telnetServer.close());
        await Promise.all(waits);
      })();
      return closed;
    },
  };
}

/**
 * The registry's factory: the unit answers on the inventory's protocol at the inventory's
 * port, and on the other protocol at a free port (a real unit has both).
 */
export function startMiniCircuitsUnit(spec: VirtualAttenuatorSpec): Promise<MiniCircuitsServer> {
  return startMiniCircuitsServer({
    model: spec.model,
    serial: `1190101${String(spec.unit).padStart(4, '0')}`,
    host: spec.host,
    httpPort: spec.protocol === 'http' ? spec.port : 0,
    telnetPort: spec.protocol === 'telnet' ? spec.port : 0,
    initialDb: spec.initialDb,
    onChange: spec.onChange,
  });
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

