/**
 * Mini-Circuits RCDAT / RUDAT (one channel) and RC4DAT / RC8DAT (4 / 8 channels)
 * programmable attenuators: the protocol (shared with the telnet driver) and the
 * HTTP transport. See docs/attenuators.md ("Mini-Circuits, HTTP").
 *
 * Protocol rules kept here:
 * - requests stay inside the model's range (0..max, 0.25 dB steps), checked locally:
 *   the unit's own clamp (reply `2`) is never relied on and is an error too;
 * - `0` and `-99 ...` replies are errors naming the attenuator and the request;
 * - every set is read back and must match within 0.01 dB;
 * - a missing reply (timeout, reset, refused) reopens the connection and retries once,
 *   then fails with BenchError `E_ATTENUATOR`.
 */
import * as http from 'node:http';
import { BenchError, ConfigError, describeError } from '../../errors.ts';
import type { Attenuator, AttenuatorDriverSpec, AttenuatorIdentity } from './types.ts';
import { DEFAULT_ATTENUATOR_TIMEOUT_MS, NoReplyError, OperationQueue, attenuatorLabel, checkSpecAddress, sendRetryingOnce, networkErrorText } from './transport-common.ts';

export const MINICIRCUITS_STEP_DB = 0.25;
/** Read-back tolerance. */
const READBACK_TOLERANCE_DB = 0.01;

export interface MiniCircuitsModelInfo {
  /** `RCDAT-6000` for `RCDAT-6000-60`. */
  family: string;
  maxDb: number;
  channels: number;
}

/** Model families this driver knows (prefix of the model string). */
export const MINICIRCUITS_MODEL_PREFIXES = ['RCDAT', 'RUDAT', 'RC4DAT', 'RC8DAT'] as const;

/**
 * Read the channel count and the maximum attenuation off a Mini-Circuits model name:
 * `RCDAT-6000-60` → 1 channel, 60 dB; `RC4DAT-6G-95` → 4 channels, 95 dB.
 * Returns null when the string is not such a model name.
 */
export function parseMiniCircuitsModel(model: string): MiniCircuitsModelInfo | null {
  // family-maxfreq-maxdB, e.g. RCDAT-6000-60, RUDAT-13G-90, RC4DAT-6G-95
  const m = /^(RCDAT|RUDAT|RC4DAT|RC8DAT)-([A-Z0-9.]+)-(\d+(?:\.\d+)?)$/i.exec(model.trim());
  if (!m) return null;
  const prefix = m[1].toUpperCase();
  const maxDb = Number(m[3]);
  if (!(maxDb > 0 && maxDb <= 200)) return null;
  const channels = prefix === 'RC4DAT' ? 4 : prefix === 'RC8DAT' ? 8 : 1;
  return { family: `${m[1]}-${m[2]}`, maxDb, channels };
}

/**
 * How commands reach the unit. Commands are given in their bare form (`MN?`,
 * `SETATT=30.25`, `CHAN:1:2:SETATT:30`); the transport adds what its wire form needs.
 */
export interface MiniCircuitsTransport {
  /** Human-readable address for messages, e.g. `http://127.0.0.1:8080` or `telnet://127.0.0.1:23`. */
  readonly address: string;
  /** The command as it goes on the wire (for messages), e.g. `/:ATT?`. */
  wireForm(command: string): string;
  /** One command, one reply (trimmed text). Rejects with NoReplyError when no reply came. */
  send(command: string): Promise<string>;
  /** Drop the current connection so that the next `send` opens a fresh one. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

function formatDb(db: number): string {
  // Values are multiples of 0.25 inside 0..max: exact in binary, never exponent notation.
  return String(db);
}

const NUMBER_REPLY = /^\d+(?:\.\d+)?$/;

/** The Mini-Circuits protocol over any transport. */
export class MiniCircuitsAttenuator implements Attenuator {
  readonly name: string;
  readonly model: string;
  readonly maxDb: number;
  readonly channels: number;
  private readonly info: MiniCircuitsModelInfo;
  private readonly transport: MiniCircuitsTransport;
  private readonly ops = new OperationQueue(() => new BenchError(`${this.label()}: used after close()`, { code: 'E_ATTENUATOR', subject: this.name }));

  constructor(private readonly spec: AttenuatorDriverSpec, transport: MiniCircuitsTransport) {
    const info = parseMiniCircuitsModel(spec.model);
    if (!info) {
      throw new ConfigError(
        `attenuator "${spec.name}": "${spec.model}" is not a Mini-Circuits model name with a maximum attenuation (expected e.g. RCDAT-6000-60, RUDAT-6000-30, RC4DAT-6G-95)`,
        { code: 'E_ATTENUATOR_MODEL', subject: spec.name },
      );
    }
    this.name = spec.name;
    this.model = spec.model;
    this.info = info;
    this.maxDb = info.maxDb;
    this.channels = info.channels;
    this.transport = transport;
  }

  get address(): string {
    return this.transport.address;
  }

  private label(): string {
    return attenuatorLabel(this.spec, this.transport.address);
  }

  /** Run one operation at a time: a set and its read-back never interleave with another request. */
  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    return this.ops.run(fn);
  }


  /** One command; a missing reply reopens the connection and retries once. */
  private async request(command: string): Promise<string> {
    return sendRetryingOnce(() => this.transport.send(command), () => this.transport.reset(), {
      badReply: (err) => this.badReply(command, err),
      noReply: (first, second) =>
        new BenchError(`${this.label()}: no reply to "${this.transport.wireForm(command)}": ${first.message}; reopened the connection and retried once: ${second.message}`, {
          code: 'E_ATTENUATOR',
          subject: this.name,
          cause: second,
        }),
    });
  }


  private badReply(command: string, err: unknown): BenchError {
    return new BenchError(`${this.label()}: bad reply to "${this.transport.wireForm(command)}": ${describeError(err)}`, {
      code: 'E_ATTENUATOR_REPLY',
      subject: this.name,
      cause: err,
    });
  }

  private checkChannel(channel: number): void {
    if (!Number.isInteger(channel) || channel < 1 || channel > this.channels) {
      throw new ConfigError(
        `${this.label()}: channel ${channel} does not exist (the ${this.model} has channel${this.channels === 1 ? ' 1' : `s 1..${this.channels}`})`,
        { code: 'E_ATTENUATOR_CHANNEL', subject: this.name },
      );
    }
  }

  private checkValue(db: number): void {
    if (typeof db !== 'number' || !Number.isFinite(db) || db < 0 || db > this.maxDb) {
      throw new BenchError(`${this.label()}: ${db} dB is outside the unit's range 0..${this.maxDb} dB; not sent`, {
        code: 'E_ATTENUATOR_RANGE',
        subject: this.name,
      });
    }
    const steps = db / MINICIRCUITS_STEP_DB;
    if (Math.abs(steps - Math.round(steps)) > 1e-9) {
      throw new BenchError(`${this.label()}: ${db} dB is not a multiple of the ${MINICIRCUITS_STEP_DB} dB step; not sent`, {
        code: 'E_ATTENUATOR_RANGE',
        subject: this.name,
      });
    }
  }

  /** Check a set reply: only `1` is success. */
  private checkSetReply(command: string, reply: string): void {
    if (reply === '1') return;
    const req = `"${this.transport.wireForm(command)}"`;
    if (reply === '2') {
      throw new BenchError(`${this.label()}: request ${req} was above the unit's range and the unit clamped it to its maximum (reply 2)`, {
        code: 'E_ATTENUATOR_CLAMPED',
        subject: this.name,
      });
    }
    if (reply === '0') {
      throw new BenchError(`${this.label()}: request ${req} failed (reply 0: invalid value or failure)`, {
        code: 'E_ATTENUATOR_REJECTED',
        subject: this.name,
      });
    }
    this.checkNotUnrecognized(command, reply);
    throw this.unexpected(command, reply);
  }

  private checkNotUnrecognized(command: string, reply: string): void {
    if (/^-99\b/.test(reply)) {
      throw new BenchError(`${this.label()}: request "${this.transport.wireForm(command)}" not understood by the unit: ${reply}`, {
        code: 'E_ATTENUATOR_REJECTED',
        subject: this.name,
      });
    }
  }

  private unexpected(command: string, reply: string): BenchError {
    return new BenchError(`${this.label()}: unexpected reply to "${this.transport.wireForm(command)}": ${JSON.stringify(reply.slice(0, 80))}`, {
      code: 'E_ATTENUATOR_REPLY',
      subject: this.name,
    });
  }

  private async readChannel(channel: number): Promise<number> {
    const command = this.channels === 1 ? 'ATT?' : `CHAN:${channel}:ATT?`;
    const reply = await this.request(command);
    this.checkNotUnrecognized(command, reply);
    if (!NUMBER_REPLY.test(reply)) throw this.unexpected(command, reply);
    const value = Number(reply);
    if (value > this.maxDb + READBACK_TOLERANCE_DB) throw this.unexpected(command, reply);
    return value;
  }

  private async readBack(channel: number, requested: number): Promise<number> {
    const value = await this.readChannel(channel);
    if (!(Math.abs(value - requested) < READBACK_TOLERANCE_DB)) {
      throw new BenchError(
        `${this.label()}: channel ${channel} reads back ${value} dB after setting ${requested} dB`,
        { code: 'E_ATTENUATOR_READBACK', subject: this.name },
      );
    }
    return value;
  }

  private async setOne(channel: number, db: number): Promise<number> {
    const command = this.channels === 1 ? `SETATT=${formatDb(db)}` : `CHAN:${channel}:SETATT:${formatDb(db)}`;
    this.checkSetReply(command, await this.request(command));
    return this.readBack(channel, db);
  }

  identify(): Promise<AttenuatorIdentity> {
    return this.serialize(async () => {
      const mnReply = await this.request('MN?');
      this.checkNotUnrecognized('MN?', mnReply);
      const mn = /^MN=(\S+)$/.exec(mnReply);
      if (!mn) throw this.unexpected('MN?', mnReply);
      const snReply = await this.request('SN?');
      this.checkNotUnrecognized('SN?', snReply);
      const sn = /^SN=(\S+)$/.exec(snReply);
      if (!sn) throw this.unexpected('SN?', snReply);
      const reported = mn[1];
      const info = parseMiniCircuitsModel(reported);
      if (!info || reported.toUpperCase() !== this.model.toUpperCase()) {
        throw new BenchError(`${this.label()}: the unit reports model ${reported}, the inventory says ${this.model}`, {
          code: 'E_ATTENUATOR_MODEL',
          subject: this.name,
        });
      }
      return { model: reported, serial: sn[1], maxDb: info.maxDb, channels: info.channels };
    });
  }

  async set(channel: number, db: number): Promise<number> {
    this.checkChannel(channel);
    this.checkValue(db);
    return this.serialize(() => this.setOne(channel, db));
  }

  async setMany(values: { channel: number; db: number }[]): Promise<number[]> {
    for (const v of values) {
      this.checkChannel(v.channel);
      this.checkValue(v.db);
    }
    const seen = new Map<number, number>();
    for (const v of values) {
      const prev = seen.get(v.channel);
      if (prev !== undefined && prev !== v.db) {
        throw new BenchError(`${this.label()}: channel ${v.channel} asked for both ${prev} and ${v.db} dB in one setMany`, {
          code: 'E_ATTENUATOR_RANGE',
          subject: this.name,
        });
      }
      seen.set(v.channel, v.db);
    }
    if (values.length === 0) return [];
    return this.serialize(async () => {
      const db = values[0].db;
      const channels = [...seen.keys()];
      if (this.channels > 1 && channels.length > 1 && values.every((v) => v.db === db)) {
        const command = `CHAN:${channels.join(':')}:SETATT:${formatDb(db)}`;
        this.checkSetReply(command, await this.request(command));
        const out: number[] = [];
        for (const v of values) out.push(await this.readBack(v.channel, v.db));
        return out;
      }
      const out: number[] = [];
      for (const v of values) out.push(await this.setOne(v.channel, v.db));
      return out;
    });
  }

  async get(channel: number): Promise<number> {
    this.checkChannel(channel);
    return this.serialize(() => this.readChannel(channel));
  }

  async close(): Promise<void> {
    if (await this.ops.close()) await this.transport.close();
  }
}

/** HTTP transport: `GET /:<command>`, the reply is the body. One keep-alive connection per unit. */
export class MiniCircuitsHttpTransport implements MiniCircuitsTransport {
  readonly address: string;
  private agent: http.Agent;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs: number,
  ) {
    this.address = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.agent = MiniCircuitsHttpTransport.newAgent();
  }

  private static newAgent(): http.Agent {
    // One socket: a real unit serves one connection at a time; keep it open between the
    // several requests of a crossfade step.
    return new http.Agent({ keepAlive: true, keepAliveMsecs: 1000, maxSockets: 1, maxFreeSockets: 1 });
  }

  wireForm(command: string): string {
    return `/:${command}`;
  }

  send(command: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | null, body?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(body ?? '');
      };
      const req = http.request({
        host: this.host,
        port: this.port,
        method: 'GET',
        path: this.wireForm(command),
        agent: this.agent,
        headers: { Connection: 'keep-alive' },
      });
      const timer = setTimeout(() => {
        const err = new NoReplyError(`no reply within ${this.timeoutMs} ms`);
        finish(err);
        req.destroy(err);
      }, this.timeoutMs);
      req.on('error', (err) => finish(err instanceof NoReplyError ? err : new NoReplyError(networkErrorText(err))));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => finish(new NoReplyError(networkErrorText(err))));
        res.on('aborted', () => finish(new NoReplyError('connection closed in the middle of the reply')));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('latin1').trim();
          if (res.statusCode !== 200) {
            finish(new Error(`HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim() + (body ? `: ${body.slice(0, 80)}` : '')));
          } else {
            finish(null, body);
          }
        });
      });
      req.end();
    });
  }

  async reset(): Promise<void> {
    this.agent.destroy();
    this.agent = MiniCircuitsHttpTransport.newAgent();
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}

/** Driver factory for Mini-Circuits units over HTTP. */
export function createMiniCircuitsHttpAttenuator(spec: AttenuatorDriverSpec): MiniCircuitsAttenuator {
  checkSpecAddress(spec);
  const timeoutMs = spec.timeoutMs ?? DEFAULT_ATTENUATOR_TIMEOUT_MS;
  return new MiniCircuitsAttenuator(spec, new MiniCircuitsHttpTransport(spec.host, spec.port, timeoutMs));
}

