/**
 * Gude Expert Power Control (8031, 8220, 87-1210 and kin) over HTTP: the EPC HTTP
 * interface in its "basic compatible" mode, as labgrid's gude8031 driver uses it.
 *
 *   switch:  GET /status.json?components=0&cmd=1&p=<outlet>&s=<0|1>
 *   read:    GET /status.json?components=1   ->  {"outputs":[{"name":..,"state":0|1}, ...]}
 *
 * Outlets count from 1. HTTP basic authentication when the unit has a password set
 * (credentials from environment variables, never from the inventory). Every switch is
 * read back: a unit that answers but does not switch is an error, not a success.
 */
import { BenchError, ConfigError, describeError } from '../../errors.ts';
import type { PowerState } from '../roles.ts';
import { ReadBackPowerSwitch } from './read-back.ts';
import type { PowerSwitchSpec } from './spec.ts';

export type { PowerSwitchSpec } from './spec.ts';

export class GudeHttpPowerSwitch extends ReadBackPowerSwitch {
  readonly driver = 'gude';
  readonly name: string;
  private readonly base: string;
  private readonly headers: Record<string, string> = {};

  constructor(private readonly spec: PowerSwitchSpec) {
    super(spec.settleMs ?? 2000);
    if (!Number.isInteger(spec.outlet) || spec.outlet < 1 || spec.outlet > 48) {
      throw new ConfigError(`${spec.name}: power outlet ${spec.outlet}: expected an outlet number 1..48`, { code: 'E_POWER_OUTLET', subject: spec.name });
    }
    this.name = spec.name;
    const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
    this.base = `http://${host}:${spec.port}`;
    if (spec.credentials) {
      this.headers.authorization = `Basic ${Buffer.from(`${spec.credentials.username}:${spec.credentials.password}`).toString('base64')}`;
    }
  }

  describe(): string {
    return `power switch for ${this.name} (Gude at ${this.base}, outlet ${this.spec.outlet})`;
  }

  private async get(path: string): Promise<string> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { headers: this.headers, signal: AbortSignal.timeout(this.spec.timeoutMs ?? 3000) });
    } catch (err) {
      throw new BenchError(`${this.describe()}: no answer to ${path}: ${describeError((err as Error).cause ?? err)}`, { code: 'E_POWER', subject: this.name });
    }
    const body = await res.text();
    if (res.status === 401) {
      throw new BenchError(`${this.describe()}: the unit refused the credentials (HTTP 401): check the username and password environment variables`, {
        code: 'E_POWER_AUTH',
        subject: this.name,
      });
    }
    if (!res.ok) throw new BenchError(`${this.describe()}: HTTP ${res.status} for ${path}`, { code: 'E_POWER', subject: this.name });
    return body;
  }

  async state(): Promise<PowerState> {
    const body = await this.get('/status.json?components=1');
    let outputs: unknown;
    try {
      outputs = (JSON.parse(body) as { outputs?: unknown }).outputs;
    } catch {
      throw new BenchError(`${this.describe()}: status.json is not JSON: "${body.slice(0, 80).replace(/[^\x20-\x7e]/g, '?')}"`, { code: 'E_POWER', subject: this.name });
    }
    const o = Array.isArray(outputs) ? (outputs[this.spec.outlet - 1] as { state?: unknown } | undefined) : undefined;
    if (!o || (o.state !== 0 && o.state !== 1)) {
      const n = Array.isArray(outputs) ? outputs.length : 0;
      throw new BenchError(`${this.describe()}: the unit reports ${n} outlet(s) and no state for outlet ${this.spec.outlet}`, { code: 'E_POWER', subject: this.name });
    }
    return o.state === 1 ? 'on' : 'off';
  }

  protected async askToSwitch(want: PowerState): Promise<void> {
    await this.get(`/status.json?components=0&cmd=1&p=${this.spec.outlet}&s=${want === 'on' ? 1 : 0}`);
  }
}
