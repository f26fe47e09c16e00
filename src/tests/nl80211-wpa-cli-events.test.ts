/**
 * The nl80211 station's `wireless.events: wpa_cli` source (src/controllers/nl80211/
 * station.ts watchWpaCli(), arrival-offset.ts) on a scripted board: an interactive wpa_cli
 * whose terminal lines arrive at chosen times, and a ping -D probe whose stamps and
 * arrivals say how far the bench clock is off the board's. Each event must come out
 * stamped at its arrival less the smallest probe delay, including the events that arrived
 * before the probe had finished; the leave and join rules are wpa_supplicant's (a leave at
 * "Trying to authenticate", a join at "Associated with", CTRL-EVENT-CONNECTED no second
 * join). Without a stamped probe line the arrival is the stamp. (On the real stack the
 * source runs in src/tests/hwsim-lab.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { BenchClock } from '../controllers/bench-clock.ts';
import { Nl80211Station } from '../controllers/nl80211/station.ts';
import type { AssociationEvent } from '../controllers/roles.ts';
import type { DeviceShell, ExecResult, RemoteProcess, StreamOptions } from '../controllers/ssh/types.ts';

type Listener = (line: string, stream: 'stdout' | 'stderr', receivedAt: number) => void;

/** A stream whose lines the test sends, at the arrival times it chooses (epoch ms). */
class ScriptedProcess implements RemoteProcess {
  readonly listeners: Listener[] = [];
  readonly done: Promise<ExecResult>;
  closed = false;
  private end!: (r: ExecResult) => void;
  constructor(
    readonly command: string,
    readonly pty: boolean,
  ) {
    this.done = new Promise((r) => (this.end = r));
  }
  onLine(l: Listener): void {
    this.listeners.push(l);
  }
  send(line: string, at: number): void {
    for (const l of this.listeners) l(line, 'stdout', at);
  }
  exit(): void {
    this.end({ command: this.command, exitCode: 0, stdout: '', stderr: '', durationMs: 0, timedOut: false });
  }
  signal(): void {}
  close(): void {
    this.closed = true;
    this.exit();
  }
}

function scriptedBoard(): { shell: DeviceShell; streams: ScriptedProcess[] } {
  const streams: ScriptedProcess[] = [];
  const shell: DeviceShell = {
    name: 'client',
    async exec(command: string): Promise<ExecResult> {
      throw new Error(`no command expected here: ${command}`);
    },
    stream(command: string, options?: StreamOptions): RemoteProcess {
      const p = new ScriptedProcess(command, options?.pty === true);
      streams.push(p);
      return p;
    },
    async close() {},
  };
  return { shell, streams };
}

/** A bench clock whose time is the host's epoch ms (fromWallClock(x) is x, to a few µs). */
function hostClock(): BenchClock {
  const clock = new BenchClock(1);
  clock.anchor(performance.timeOrigin + performance.now());
  return clock;
}

const T = 1_796_097_320_000;
const AP2 = '02:00:00:00:01:00';

describe('association events from an interactive wpa_cli on a pty', () => {
  it('stamps each event at its arrival less the probe\'s smallest delay, the early ones too', async () => {
    const { shell, streams } = scriptedBoard();
    const station = new Nl80211Station(shell, { iface: 'wlan2', radio: 'phy2', commandTimeoutMs: 5000, events: 'wpa_cli' });
    const events: AssociationEvent[] = [];
    const es = station.watchAssociations(hostClock(), (e) => events.push(e));
    const cli = streams.find((s) => s.command.startsWith('wpa_cli'))!;
    const probe = streams.find((s) => s.command.startsWith('ping'))!;
    expect(cli.command).toBe('wpa_cli -G 1 -i wlan2');
    expect(cli.pty).toBe(true);
    expect(probe.command).toMatch(/^ping -D -n -i 0\.2 -c \d+ -W 1 127\.0\.0\.1$/);

    // A roam arrives while the probe still runs: held back until the offset is known.
    cli.send('wpa_cli v2.10', T + 4000);
    cli.send("> \r<3>SME: Trying to authenticate with 02:00:00:00:01:00 (SSID='rig-roam' freq=2437 MHz)\r", T + 5250);
    cli.send('> \r<3>Trying to associate with 02:00:00:00:01:00 (SSID=\'rig-roam\' freq=2437 MHz)\r', T + 5280);
    cli.send('> \r<3>Associated with 02:00:00:00:01:00\r', T + 5300);
    cli.send('> \r<3>CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:01:00 completed [id=0 id_str=]\r', T + 5320);
    expect(events).toEqual([]);
    // The probe: replies stamped by the board, arriving 240, 237 and 290 ms later on this clock.
    probe.send('PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.', T + 100);
    probe.send('[1796097320.000000] 64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=2.50 ms', T + 240);
    probe.send('[1796097320.200000] 64 bytes from 127.0.0.1: icmp_seq=2 ttl=64 time=0.63 ms', T + 437);
    probe.send('[1796097320.400000] 64 bytes from 127.0.0.1: icmp_seq=3 ttl=64 time=0.28 ms', T + 690);
    probe.exit();
    for (let i = 0; i < 50 && events.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    // Later events go out at once; a lost control connection is no event.
    cli.send('Connection to wpa_supplicant lost - trying to reconnect\r', T + 8000);
    cli.send('> \r<3>CTRL-EVENT-DISCONNECTED bssid=02:00:00:00:01:00 reason=3 locally_generated=1\r', T + 9000);
    es.stop();

    expect(events.map((e) => e.bssid)).toEqual([null, AP2, null]);
    const at = events.map((e) => e.atMs - T);
    const arrived = events.map((e) => e.arrivedMs - T);
    [5013, 5063, 8763].forEach((want, i) => expect(at[i]).toBeCloseTo(want, 0));
    [5250, 5300, 9000].forEach((want, i) => expect(arrived[i]).toBeCloseTo(want, 0));
    expect(probe.closed).toBe(true);
    expect(cli.closed).toBe(true);
  });

  it('without a stamped probe line (a ping without -D), the arrival is the stamp', async () => {
    const { shell, streams } = scriptedBoard();
    const station = new Nl80211Station(shell, { iface: 'wlan2', radio: 'phy2', commandTimeoutMs: 5000, events: 'wpa_cli' });
    const events: AssociationEvent[] = [];
    const es = station.watchAssociations(hostClock(), (e) => events.push(e));
    const cli = streams.find((s) => s.command.startsWith('wpa_cli'))!;
    const probe = streams.find((s) => s.command.startsWith('ping'))!;
    probe.send('ping: invalid option -- \'D\'', T);
    probe.exit();
    await new Promise((r) => setTimeout(r, 20));
    cli.send('> \r<3>Associated with 02:00:00:00:01:00\r', T + 1000);
    es.stop();
    expect(events).toHaveLength(1);
    expect(events[0].bssid).toBe(AP2);
    expect(events[0].atMs - T).toBeCloseTo(1000, 0);
  });
});
