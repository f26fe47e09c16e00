/**
 * Aeroflex/Weinschel 8310-series programmable attenuator units over telnet (port 23,
 * CRLF, prompt `>`; docs/attenuators.md). Written from the protocol as public lab
 * drivers use it (Android ACTS / Fuchsia antlion `attenuator_lib/aeroflex/telnet.py`):
 * `*CLS` on opening, `RFCONFIG? CHAN` (channel count), `RFCONFIG? ATTN <ch>`
 * (`model, max_atten, min_step, ...`), `ATTN <ch> <dB>` (prints nothing but the
 * prompt), `ATTN? <ch>`, plus IEEE 488.2 `*IDN?` (`maker,model,serial,firmware`).
 *
 * Inventory model strings: `8310`, `AF8310` or `WEINSCHEL-8310`, optionally followed by
 * the catalogue suffix (`8310-4-95`); protocol `telnet`. Unlike Mini-Circuits names,
 * these do not encode the range, so the driver asks the unit (`RFCONFIG?`) once, before
 * its first set, get or identify, and keeps the answer for the unit's life.
 *
 * Rules, as for the Mini-Circuits driver:
 * - requests stay inside the channel's range (0..max) and on its step, checked locally
 *   before anything is sent (E_ATTENUATOR_RANGE); a channel the unit lacks is a ConfigError;
 * - every set is read back with `ATTN?` and must match within 0.01 dB (E_ATTENUATOR_READBACK);
 * - an error line from the unit (IEEE 488.2 style `-222,"Data out of range"`) is
 *   E_ATTENUATOR_REJECTED, any other unexpected text E_ATTENUATOR_REPLY;
 * - a missing reply reopens the connection and retries once, then BenchError
 *   `E_ATTENUATOR` naming the attenuator, its address and the command;
 * - `identify()` checks that the unit is of the inventory's model: the same model, or any
 *   8310-series model when the inventory names just the family.
 */
import { BenchError, ConfigError, describeError } from '../../errors.ts';
import { DEFAULT_ATTENUATOR_TIMEOUT_MS, NoReplyError, OperationQueue, attenuatorLabel, checkSpecAddress, sendRetryingOnce } from './transport-common.ts';
import { PromptTelnetTransport } from './prompt-telnet-transport.ts';
import type { Attenuator, AttenuatorDriverSpec, AttenuatorIdentity } from './types.ts';

/** Model prefixes this driver is registered for (case-insensitive). */
export const WEINSCHEL_8310_MODEL_PREFIXES = ['8310', 'AF8310', 'WEINSCHEL-8310'] as const;

const MODEL_NAME = /^(?:AF|WEINSCHEL-)?(8310(?:-[A-Z0-9.]+)*)$/i;
const PROMPT = '>';
const READBACK_TOLERANCE_DB = 0.01;
const NUMBER_REPLY = /^\d+(?:\.\d+)?$/;
const ERROR_REPLY = /^[-+]?\d+\s*,\s*".*"$/;

/** `AF8310-4-95` → `8310-4-95`: the model without its brand prefix, upper case; null when not an 8310 name. */
export function weinschel8310Model(model: string): string | null {
  const m = MODEL_NAME.exec(model.trim());
  return m ? m[1].toUpperCase() : null;
}

/** How the unit's own description of a channel reads (`RFCONFIG? ATTN <ch>`). */
export interface Weinschel8310ChannelConfig {
  module: string;
  maxDb: number;
  stepDb: number;
}

/** What the driver needs of its connection; PromptTelnetTransport in production. */
export interface Weinschel8310Transport {
  readonly address: string;
  /** One command; the lines printed before the next prompt. Rejects with NoReplyError when none came. */
  send(command: string): Promise<string[]>;
  /** Drop the connection; the next `send` opens a fresh one. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export class Weinschel8310Attenuator implements Attenuator {
  readonly name: string;
  readonly model: string;
  private readonly family: string;
  private readonly transport: Weinschel8310Transport;
  private config: Weinschel8310ChannelConfig[] | null = null;
  private readonly ops = new OperationQueue(() => new BenchError(`${this.label()}: used after close()`, { code: 'E_ATTENUATOR', subject: this.name }));

  constructor(private readonly spec: AttenuatorDriverSpec, transport: Weinschel8310Transport) {
    const family = weinschel8310Model(spec.model);
    if (!family) {
      throw new ConfigError(
        `attenuator "${spec.name}": "${spec.model}" is not an Aeroflex/Weinschel 8310-series model name (expected 8310, AF8310 or WEINSCHEL-8310, optionally with the catalogue suffix, e.g. 8310-4-95)`,
        { code: 'E_ATTENUATOR_MODEL', subject: spec.name },
      );
    }
    this.name = spec.name;
    this.model = spec.model;
    this.family = family;
    this.transport = transport;
  }

  get address(): string {
    return this.transport.address;
  }

  /** The unit's channels as it described them (null before the first request). */
  get channelConfig(): readonly Weinschel8310ChannelConfig[] | null {
    return this.config;
  }

  private label(): string {
    return attenuatorLabel(this.spec, this.transport.address);
  }

  /** One operation at a time: a set and its read-back never interleave with another request. */
  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    return this.ops.run(fn);
  }


  /** One command; a missing reply reopens the connection and retries once. */
  private async request(command: string): Promise<string[]> {
    return sendRetryingOnce(() => this.transport.send(command), () => this.transport.reset(), {
      badReply: (err) => this.badReply(command, err),
      noReply: (first, second) =>
        new BenchError(`${this.label()}: no reply to "${command}": ${first.message}; reopened the connection and retried once: ${second.message}`, {
          code: 'E_ATTENUATOR',
          subject: this.name,
          cause: second,
        }),
    });
  }


  private badReply(command: string, err: unknown): BenchError {
    return new BenchError(`${this.label()}: bad reply to "${command}": ${describeError(err)}`, {
      code: 'E_ATTENUATOR_REPLY',
      subject: this.name,
      cause: err,
    });
  }

  private unexpected(command: string, lines: string[]): BenchError {
    const text = lines.join(' | ');
    if (lines.length === 1 && ERROR_REPLY.test(text)) {
      return new BenchError(`${this.label()}: request "${command}" refused by the unit: ${text}`, {
        code: 'E_ATTENUATOR_REJECTED',
        subject: this.name,
      });
    }
    return new BenchError(`${this.label()}: unexpected reply to "${command}": ${JSON.stringify(text.slice(0, 80))}`, {
      code: 'E_ATTENUATOR_REPLY',
      subject: this.name,
    });
  }

  /** A command that prints nothing but the prompt. */
  private async command(command: string): Promise<void> {
    const lines = await this.request(command);
    if (lines.length !== 0) throw this.unexpected(command, lines);
  }

  /** A query that prints one line. */
  private async query(command: string): Promise<string> {
    const lines = await this.request(command);
    if (lines.length !== 1 || ERROR_REPLY.test(lines[0])) throw this.unexpected(command, lines);
    return lines[0];
  }

  /** Ask the unit what it is made of, once. */
  private async describe(): Promise<Weinschel8310ChannelConfig[]> {
    if (this.config) return this.config;
    await this.command('*CLS');
    const chanReply = await this.query('RFCONFIG? CHAN');
    const count = /^\d+$/.test(chanReply) ? Number(chanReply) : NaN;
    if (!(count >= 1 && count <= 64)) throw this.unexpected('RFCONFIG? CHAN', [chanReply]);
    const config: Weinschel8310ChannelConfig[] = [];
    for (let ch = 1; ch <= count; ch++) {
      const command = `RFCONFIG? ATTN ${ch}`;
      const fields = (await this.query(command)).split(',').map((f) => f.trim());
      const maxDb = NUMBER_REPLY.test(fields[1] ?? '') ? Number(fields[1]) : NaN;
      const stepDb = NUMBER_REPLY.test(fields[2] ?? '') ? Number(fields[2]) : NaN;
      if (!(maxDb > 0 && stepDb > 0 && stepDb <= maxDb)) throw this.unexpected(command, [fields.join(', ')]);
      config.push({ module: fields[0], maxDb, stepDb });
    }
    this.config = config;
    return config;
  }

  private channelOf(config: Weinschel8310ChannelConfig[], channel: number): Weinschel8310ChannelConfig {
    if (!Number.isInteger(channel) || channel < 1 || channel > config.length) {
      throw new ConfigError(
        `${this.label()}: channel ${channel} does not exist (the unit has channel${config.length === 1 ? ' 1' : `s 1..${config.length}`})`,
        { code: 'E_ATTENUATOR_CHANNEL', subject: this.name },
      );
    }
    return config[channel - 1];
  }

  private checkValue(channel: number, c: Weinschel8310ChannelConfig, db: number): void {
    if (typeof db !== 'number' || !Number.isFinite(db) || db < 0 || db > c.maxDb) {
      throw new BenchError(`${this.label()}: ${db} dB is outside channel ${channel}'s range 0..${c.maxDb} dB; not sent`, {
        code: 'E_ATTENUATOR_RANGE',
        subject: this.name,
      });
    }
    const steps = db / c.stepDb;
    if (Math.abs(steps - Math.round(steps)) > 1e-9) {
      throw new BenchError(`${this.label()}: ${db} dB is not a multiple of channel ${channel}'s ${c.stepDb} dB step; not sent`, {
        code: 'E_ATTENUATOR_RANGE',
        subject: this.name,
      });
    }
  }

  private async readChannel(channel: number, c: Weinschel8310ChannelConfig): Promise<number> {
    const command = `ATTN? ${channel}`;
    const reply = await this.query(command);
    if (!NUMBER_REPLY.test(reply)) throw this.unexpected(command, [reply]);
    const value = Number(reply);
    if (value > c.maxDb + READBACK_TOLERANCE_DB) throw this.unexpected(command, [reply]);
    return value;
  }

  private async setOne(channel: number, c: Weinschel8310ChannelConfig, db: number): Promise<number> {
    await this.command(`ATTN ${channel} ${String(db)}`);
    const value = await this.readChannel(channel, c);
    if (!(Math.abs(value - db) < READBACK_TOLERANCE_DB)) {
      throw new BenchError(`${this.label()}: channel ${channel} reads back ${value} dB after setting ${db} dB`, {
        code: 'E_ATTENUATOR_READBACK',
        subject: this.name,
      });
    }
    return value;
  }

  identify(): Promise<AttenuatorIdentity> {
    return this.serialize(async () => {
      const config = await this.describe();
      const reply = await this.query('*IDN?');
      const fields = reply.split(',').map((f) => f.trim());
      if (fields.length < 3 || fields.slice(0, 3).some((f) => f === '')) throw this.unexpected('*IDN?', [reply]);
      const [, reported, serial] = fields;
      const reportedFamily = weinschel8310Model(reported);
      const matches = reportedFamily !== null && (reportedFamily === this.family || (this.family === '8310' && reportedFamily.startsWith('8310')));
      if (!matches) {
        throw new BenchError(`${this.label()}: the unit reports model ${reported}, the inventory says ${this.model}`, {
          code: 'E_ATTENUATOR_MODEL',
          subject: this.name,
        });
      }
      return { model: reported, serial, maxDb: Math.min(...config.map((c) => c.maxDb)), channels: config.length };
    });
  }

  set(channel: number, db: number): Promise<number> {
    return this.serialize(async () => {
      const config = await this.describe();
      const c = this.channelOf(config, channel);
      this.checkValue(channel, c, db);
      return this.setOne(channel, c, db);
    });
  }

  setMany(values: { channel: number; db: number }[]): Promise<number[]> {
    return this.serialize(async () => {
      if (values.length === 0) return [];
      const config = await this.describe();
      const seen = new Map<number, number>();
      for (const v of values) {
        this.checkValue(v.channel, this.channelOf(config, v.channel), v.db);
        const prev = seen.get(v.channel);
        if (prev !== undefined && prev !== v.db) {
          throw new BenchError(`${this.label()}: channel ${v.channel} asked for both ${prev} and ${v.db} dB in one setMany`, {
            code: 'E_ATTENUATOR_RANGE',
            subject: this.name,
          });
        }
        seen.set(v.channel, v.db);
      }
      // The unit has no multi-channel set for chosen channels (only ATTN ALL): one after the other.
      const out: number[] = [];
      for (const v of values) out.push(await this.setOne(v.channel, config[v.channel - 1], v.db));
      return out;
    });
  }

  get(channel: number): Promise<number> {
    return this.serialize(async () => {
      const config = await this.describe();
      return this.readChannel(channel, this.channelOf(config, channel));
    });
  }

  async close(): Promise<void> {
    if (await this.ops.close()) await this.transport.close();
  }
}

/** Driver factory for 8310-series units over telnet. */
export function createWeinschel8310Attenuator(spec: AttenuatorDriverSpec): Weinschel8310Attenuator {
  checkSpecAddress(spec);
  const timeoutMs = spec.timeoutMs ?? DEFAULT_ATTENUATOR_TIMEOUT_MS;
  return new Weinschel8310Attenuator(spec, new PromptTelnetTransport(spec.host, spec.port, timeoutMs, PROMPT));
}
