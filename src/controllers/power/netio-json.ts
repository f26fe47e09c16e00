/**
 * NETIO power sockets (PowerPDU 4C/8QS, PowerBOX 3Px/4Kx, 4All...) over their JSON API
 * (M2M API "JSON", NETIO AN21 / wiki "JSON API"):
 *
 *   read:    GET  /netio.json   ->  {"Agent":{...},"Outputs":[{"ID":1,"Name":..,"State":0|1,"Action":..}, ...]}
 *   switch:  POST /netio.json   with {"Outputs":[{"ID":<outlet>,"Action":0|1}]}   (0 off, 1 on)
 *
 * HTTP basic authentication (the JSON API's read-write user; credentials from
 * environment variables). Outputs are counted from 1. Every switch is read back.
 */
import { BenchError, ConfigError } from '../../errors.ts';
import type { PowerState } from '../roles.ts';
import { basicAuth, excerpt, powerHttp } from './http.ts';
import { ReadBackPowerSwitch } from './read-back.ts';
import { hostPort, type PowerSwitchSpec } from './spec.ts';

const AUTH_HINT = "check the JSON API's read-write user in the power entry's usernameEnv / passwordEnv variables";

export class NetioJsonPowerSwitch extends ReadBackPowerSwitch {
  readonly driver = 'netio';
  readonly name: string;
  private readonly url: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly spec: PowerSwitchSpec) {
    super(spec.settleMs ?? 2000);
    if (!Number.isInteger(spec.outlet) || spec.outlet < 1 || spec.outlet > 48) {
      throw new ConfigError(`${spec.name}: power outlet ${spec.outlet}: expected an outlet number 1..48`, { code: 'E_POWER_OUTLET', subject: spec.name });
    }
    this.name = spec.name;
    this.url = `http://${hostPort(spec)}/netio.json`;
    this.headers = basicAuth(spec.credentials);
  }

  describe(): string {
    return `power switch for ${this.name} (NETIO at ${hostPort(this.spec)}, outlet ${this.spec.outlet})`;
  }

  private request(method: 'GET' | 'POST', body?: string): Promise<string> {
    const headers = body !== undefined ? { ...this.headers, 'content-type': 'application/json' } : this.headers;
    return powerHttp(this, { method, url: this.url, label: '/netio.json', headers, body, timeoutMs: this.spec.timeoutMs ?? 3000 }, AUTH_HINT);
  }

  async state(): Promise<PowerState> {
    const body = await this.request('GET');
    let outputs: unknown;
    try {
      outputs = (JSON.parse(body) as { Outputs?: unknown }).Outputs;
    } catch {
      throw new BenchError(`${this.describe()}: netio.json is not JSON: "${excerpt(body)}"`, { code: 'E_POWER', subject: this.name });
    }
    const list = Array.isArray(outputs) ? (outputs as { ID?: unknown; State?: unknown }[]) : [];
    const o = list.find((x) => x && x.ID === this.spec.outlet);
    if (!o || (o.State !== 0 && o.State !== 1)) {
      throw new BenchError(`${this.describe()}: the unit reports ${list.length} output(s) and no state for output ${this.spec.outlet}`, { code: 'E_POWER', subject: this.name });
    }
    return o.State === 1 ? 'on' : 'off';
  }

  protected async askToSwitch(want: PowerState): Promise<void> {
    await this.request('POST', JSON.stringify({ Outputs: [{ ID: this.spec.outlet, Action: want === 'on' ? 1 : 0 }] }));
  }
}
