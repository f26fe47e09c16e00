/**
 * wpa_supplicant's association events (src/controllers/nl80211/wpa-events.ts) on lines
 * written from wpa_supplicant 2.10's own formats, never from the virtual rig's: the -t -f
 * log (wpa_debug.c: `"%ld.%06u: "`, then wpa_msg()'s `"%s: "` interface prefix) and the
 * control socket's `<3>` form (what wpa_cli prints); sme.c "SME: Trying to authenticate
 * with", "Trying to associate with", events.c "Associated with", wpa_ctrl.h
 * CTRL-EVENT-CONNECTED / CTRL-EVENT-DISCONNECTED; an interactive wpa_cli's terminal output
 * (wpa_cli.c wpa_cli_recv_pending(): `"\r%s\n"` after clearing the line, then the `> `
 * prompt redrawn; the terminal's `\r\n`).
 */
import { describe, expect, it } from 'vitest';
import { arrivalOffsetOf, pingStampMs } from '../controllers/nl80211/arrival-offset.ts';
import { parseWpaEventLine, wpaCliMonitorText } from '../controllers/nl80211/wpa-events.ts';

describe('wpa_supplicant event lines', () => {
  it('a WPA2 roam in the -t -f log: leave at the authentication, join at the association, connected after the keys', () => {
    const log = [
      "1764551234.100200: wlan0: SME: Trying to authenticate with 02:00:00:00:01:00 (SSID='rig-hwsim' freq=2437 MHz)",
      "1764551234.104511: wlan0: Trying to associate with 02:00:00:00:01:00 (SSID='rig-hwsim' freq=2437 MHz)",
      '1764551234.109870: wlan0: Associated with 02:00:00:00:01:00',
      '1764551234.110002: wlan0: CTRL-EVENT-SUBNET-STATUS-UPDATE status=0',
      '1764551234.131740: wlan0: WPA: Key negotiation completed with 02:00:00:00:01:00 [PTK=CCMP GTK=CCMP]',
      '1764551234.131801: wlan0: CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:01:00 completed [id=0 id_str=]',
    ].map((l) => parseWpaEventLine(l));
    expect(log.map((e) => [e!.timeMs, e!.iface, e!.event])).toEqual([
      [1764551234100.2, 'wlan0', { kind: 'trying-authenticate', bssid: '02:00:00:00:01:00' }],
      [1764551234104.511, 'wlan0', { kind: 'trying-associate', bssid: '02:00:00:00:01:00' }],
      [1764551234109.87, 'wlan0', { kind: 'associated', bssid: '02:00:00:00:01:00' }],
      [1764551234110.002, 'wlan0', { kind: 'other' }],
      [1764551234131.74, 'wlan0', { kind: 'other' }],
      [1764551234131.801, 'wlan0', { kind: 'connected', bssid: '02:00:00:00:01:00' }],
    ]);
  });

  it('older wpa_supplicant (no "SME: "), the control socket form (<3>, no stamp), and a disconnect', () => {
    expect(parseWpaEventLine("<3>Trying to authenticate with aa:bb:cc:dd:ee:0f (SSID='lab' freq=5180 MHz)")).toEqual({
      timeMs: null,
      iface: null,
      event: { kind: 'trying-authenticate', bssid: 'AA:BB:CC:DD:EE:0F' },
    });
    expect(parseWpaEventLine('1764551300.000001: wlan0: CTRL-EVENT-DISCONNECTED bssid=02:00:00:00:01:00 reason=3 locally_generated=1')!.event).toEqual({
      kind: 'disconnected',
      bssid: '02:00:00:00:01:00',
      reason: 3,
      locallyGenerated: true,
    });
    expect(parseWpaEventLine('<3>CTRL-EVENT-DISCONNECTED bssid=02:00:00:00:01:00 reason=4')!.event).toEqual({ kind: 'disconnected', bssid: '02:00:00:00:01:00', reason: 4, locallyGenerated: false });
  });

  it('lines that are not association events: other; blank: null; a broken event: an error naming the line', () => {
    expect(parseWpaEventLine('1764551200.000000: Successfully initialized wpa_supplicant')).toEqual({ timeMs: 1764551200000, iface: null, event: { kind: 'other' } });
    expect(parseWpaEventLine('1764551200.500000: wlan0: CTRL-EVENT-SCAN-STARTED ')!.event).toEqual({ kind: 'other' });
    expect(parseWpaEventLine("1764551200.600000: wlan0: Trying to associate with SSID 'rig-hwsim'")!.event).toEqual({ kind: 'other' });
    expect(parseWpaEventLine('1764551200.700000: wlan0: nl80211: Associated with 02:00:00:00:01:00')!.event).toEqual({ kind: 'other' });
    expect(parseWpaEventLine('')).toBeNull();
    expect(() => parseWpaEventLine('1764551200.500000: wlan0: Associated with somewhere')).toThrow(/unreadable "1764551200.500000: wlan0: Associated with somewhere"/);
    expect(() => parseWpaEventLine('wlan0: CTRL-EVENT-CONNECTED - Connection to nobody completed')).toThrow(/unreadable/);
  });
});

describe('interactive wpa_cli on a terminal', () => {
  it('finds the event after the prompt and the carriage returns, and it parses as the socket form', () => {
    // What the pty carries, split on \n: the prompt of the line before, \r, the event, the terminal's \r.
    const lines = [
      'wpa_cli v2.10\r',
      'Interactive mode\r',
      "> \r<3>SME: Trying to authenticate with 02:00:00:00:01:00 (SSID='rig-roam' freq=2437 MHz)\r",
      '> \r<3>Associated with 02:00:00:00:01:00\r',
      '>    \r> \r<3>CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:01:00 completed [id=0 id_str=]\r',
      '> \r<3>CTRL-EVENT-DISCONNECTED bssid=02:00:00:00:01:00 reason=3 locally_generated=1\r',
      "> 'PING' command timed out.\r",
      'Connection to wpa_supplicant lost - trying to reconnect\r',
      '> ',
    ];
    const texts = lines.map(wpaCliMonitorText);
    expect(texts).toEqual([
      null,
      null,
      "<3>SME: Trying to authenticate with 02:00:00:00:01:00 (SSID='rig-roam' freq=2437 MHz)",
      '<3>Associated with 02:00:00:00:01:00',
      '<3>CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:01:00 completed [id=0 id_str=]',
      '<3>CTRL-EVENT-DISCONNECTED bssid=02:00:00:00:01:00 reason=3 locally_generated=1',
      null,
      null,
      null,
    ]);
    const events = texts.filter((t): t is string => t !== null).map((t) => parseWpaEventLine(t)!);
    expect(events.map((e) => [e.timeMs, e.iface, e.event.kind])).toEqual([
      [null, null, 'trying-authenticate'],
      [null, null, 'associated'],
      [null, null, 'connected'],
      [null, null, 'disconnected'],
    ]);
  });

  it('a global control interface\'s IFNAME= prefix becomes the interface', () => {
    const t = wpaCliMonitorText('> \r<3>IFNAME=wlan1 Associated with 02:00:00:00:00:00\r');
    expect(t).toBe('<3>wlan1: Associated with 02:00:00:00:00:00');
    expect(parseWpaEventLine(t!)).toEqual({ timeMs: null, iface: 'wlan1', event: { kind: 'associated', bssid: '02:00:00:00:00:00' } });
  });
});

describe('the arrival offset against ping -D', () => {
  it('reads ping -D stamps (iputils print_timestamp(): [SECONDS.MICROSECONDS]) and nothing else', () => {
    expect(pingStampMs('[1796097320.184031] 64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=2.50 ms')).toBe(1796097320184.031);
    expect(pingStampMs('PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.')).toBeNull();
    expect(pingStampMs('64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=2.50 ms')).toBeNull();
  });

  it('is the fastest line\'s arrival less its stamp; unknown without a line', () => {
    expect(
      arrivalOffsetOf([
        { stampMs: 1000, arrivedMs: 1260 },
        { stampMs: 1200, arrivedMs: 1437 },
        { stampMs: 1400, arrivedMs: 1690 },
      ]),
    ).toBe(237);
    expect(arrivalOffsetOf([])).toBeNull();
  });
});
