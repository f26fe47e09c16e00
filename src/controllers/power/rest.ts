/**
 * A power switch with an HTTP interface of its own (a lab relay board, a smart plug, a
 * vendor not built in): the inventory gives one request per action as URL templates
 * ({outlet} replaced by the outlet number), and how to read the state answer: the whole
 * body, or the value at a dot path into its JSON, matched against onMatch / offMatch
 * (surrounding white space trimmed).
 * A bearer token (tokenEnv) or basic authentication (usernameEnv / passwordEnv), from
 * the environment. Every switch is read back.
 */
import { BenchError, ConfigError } from '../../errors.ts';
import type { PowerSpec } from '../../inventory/schema.ts';
import type { PowerState } from '../roles.ts';
import { basicAuth, excerpt, powerHttp } from './http.ts';
import { ReadBackPowerSwitch, secretFrom } from './read-back.ts';
import { hostPort, type PowerSwitchSpec } from './spec.ts';

type RestSettings = NonNullable<PowerSpec['rest']>;
type RestRequest = RestSettings['on'];

const AUTH_HINT = "check the power entry's rest.tokenEnv (bearer) or usernameEnv / passwordEnv (basic) variables";

/** The value at a dot path (array indexes as numbers), or undefined. */
export function atJsonPath(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const key of path.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(key)) cur = cur[Number(key)];
    else if (cur !== null && typeof cur === 'object' && Object.hasOwn(cur, key)) cur = (cur as Record<string, unknown>)[key];
    else return undefined;
  }
  return cur;
}

export class RestPowerSwitch extends ReadBackPowerSwitch {
  readonly driver = 'rest';
  readonly name: string;
  private readonly rest: RestSettings;
  private readonly onRe: RegExp;
  private readonly offRe: RegExp;
  private headers: Record<string, string> | null = null;

  constructor(private readonly spec: PowerSwitchSpec) {
    super(spec.settleMs ?? 2000);
    const rest = spec.settings?.rest;
    if (!rest) throw new ConfigError(`${spec.name}: power driver rest needs a rest: block (on, off, state requests; onMatch, offMatch)`, { code: 'E_POWER_CONFIG', subject: spec.name });
    this.rest = rest;
    this.name = spec.name;
    this.onRe = new RegExp(rest.onMatch);
    this.offRe = new RegExp(rest.offMatch);
  }

  describe(): string {
    return `power switch for ${this.name} (REST at ${hostPort(this.spec)}, outlet ${this.spec.outlet})`;
  }

  private fill(template: string): string {
    return template.replaceAll('{outlet}', String(this.spec.outlet));
  }

  private auth(): Record<string, string> {
    if (this.headers) return this.headers;
    const token = secretFrom(this.spec.env ?? process.env, this.rest.tokenEnv, 'bearer token', this.name);
    this.headers = token !== undefined ? { authorization: `Bearer ${token}` } : basicAuth(this.spec.credentials);
    return this.headers;
  }

  private send(r: RestRequest): Promise<string> {
    const path = this.fill(r.url);
    const body = r.body !== undefined ? this.fill(r.body) : undefined;
    let contentType = 'text/plain';
    if (body !== undefined) {
      try {
        JSON.parse(body);
        contentType = 'application/json';
      } catch {
        // sent as text
      }
    }
    const headers = body !== undefined ? { ...this.auth(), 'content-type': contentType } : this.auth();
    return powerHttp(this, { method: r.method, url: `${this.rest.scheme}://${hostPort(this.spec)}${path}`, label: path, headers, body, timeoutMs: this.spec.timeoutMs ?? 3000 }, AUTH_HINT);
  }

  async state(): Promise<PowerState> {
    const body = await this.send(this.rest.state);
    let text = body.trim();
    if (this.rest.jsonPath !== undefined) {
      const path = this.fill(this.rest.jsonPath);
      let doc: unknown;
      try {
        doc = JSON.parse(body);
      } catch {
        throw new BenchError(`${this.describe()}: the state answer is not JSON: "${excerpt(body)}"`, { code: 'E_POWER', subject: this.name });
      }
      const v = atJsonPath(doc, path);
      if (v === undefined) throw new BenchError(`${this.describe()}: the state answer has nothing at ${path}: "${excerpt(body)}"`, { code: 'E_POWER', subject: this.name });
      text = typeof v === 'string' ? v : JSON.stringify(v);
    }
    const on = this.onRe.test(text);
    const off = this.offRe.test(text);
    if (on !== off) return on ? 'on' : 'off';
    throw new BenchError(`${this.describe()}: the state "${excerpt(text)}" matches ${on ? 'both onMatch and offMatch' : 'neither onMatch nor offMatch'}`, { code: 'E_POWER', subject: this.name });
  }

  protected async askToSwitch(want: PowerState): Promise<void> {
    await this.send(want === 'on' ? this.rest.on : this.rest.off);
  }
}
