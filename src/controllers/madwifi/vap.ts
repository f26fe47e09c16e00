import type { LinkInfo, WepSettings } from '../roles.ts';
import type { DeviceShell } from '../ssh/types.ts';
import { parseIwconfig, parseIwprivGet, type IwconfigInfo } from './parse.ts';
import { run } from '../ssh/run.ts';
import { shellQuote } from '../ssh/quote.ts';

export interface VapConfig {
  iface: string;
  radio: string;
  commandTimeoutMs: number;
}

/** What a madwifi VAP (station or AP) offers: iwconfig, iwpriv, create/up. */
export class MadwifiVap {
  constructor(
    readonly shell: DeviceShell,
    readonly cfg: VapConfig,
    private readonly mode: 'sta' | 'ap',
  ) {}

  get name(): string {
    return this.shell.name;
  }

  async iwconfig(): Promise<IwconfigInfo> {
    const r = await run(this.shell, ['iwconfig', this.cfg.iface], { timeoutMs: this.cfg.commandTimeoutMs });
    return parseIwconfig(r.stdout);
  }

  /** The role's view of `iwconfig athN`: BSSID (station: its AP; AP: its own), ESSID, signal, channel. */
  async link(): Promise<LinkInfo> {
    const i = await this.iwconfig();
    return { bssid: i.accessPoint, essid: i.essid, signalDbm: i.accessPoint ? i.signalDbm : null, noiseDbm: i.noiseDbm, channel: i.channel };
  }

  /** Create the VAP unless it exists already (`wlanconfig athN create wlandev wifiN wlanmode sta|ap`). */
  async ensureVap(): Promise<void> {
    const r = await run(this.shell, ['iwconfig', this.cfg.iface], { timeoutMs: this.cfg.commandTimeoutMs, allowFail: true });
    if (r.exitCode === 0) return;
    await run(this.shell, ['wlanconfig', this.cfg.iface, 'create', 'wlandev', this.cfg.radio, 'wlanmode', this.mode], {
      timeoutMs: this.cfg.commandTimeoutMs,
    });
  }

  async setPriv(name: string, value: number): Promise<void> {
    await run(this.shell, ['iwpriv', this.cfg.iface, name, String(value)], { timeoutMs: this.cfg.commandTimeoutMs });
  }

  async getPriv(name: string): Promise<number> {
    const r = await run(this.shell, ['iwpriv', this.cfg.iface, `get_${name}`], { timeoutMs: this.cfg.commandTimeoutMs });
    return parseIwprivGet(r.stdout);
  }

  async up(): Promise<void> {
    await run(this.shell, ['ifconfig', this.cfg.iface, 'up'], { timeoutMs: this.cfg.commandTimeoutMs });
  }

  /** Write a file on the board through stdin (no secret ever appears on a command line). */
  async writeFile(path: string, content: string): Promise<void> {
    await run(this.shell, ['sh', '-c', `cat > ${shellQuote(path)}`], { timeoutMs: this.cfg.commandTimeoutMs, stdin: content });
  }

  /**
   * A static WEP key, as wireless-tools' iwconfig takes it on madwifi 0.9.3
   * (ieee80211_ioctl_siwencode()): the key into slot [n], slot [n] made the transmit
   * key, then `key open` or `key restricted`. The key is on the board's command line (as
   * a lab's own script would put it) but never in a log line or an error (`secrets`).
   */
  async setWep(wep: WepSettings): Promise<void> {
    const t = { timeoutMs: this.cfg.commandTimeoutMs, secrets: wep.key.forms };
    const slot = `[${wep.index}]`;
    await run(this.shell, ['iwconfig', this.cfg.iface, 'key', slot, wep.key.iwconfigArg], t);
    await run(this.shell, ['iwconfig', this.cfg.iface, 'key', slot], t);
    await run(this.shell, ['iwconfig', this.cfg.iface, 'key', wep.keyMode], t);
  }

  /** Stop a daemon; not running is fine. */
  async killall(name: string): Promise<void> {
    await run(this.shell, ['killall', name], { timeoutMs: this.cfg.commandTimeoutMs, allowFail: true });
  }
}
