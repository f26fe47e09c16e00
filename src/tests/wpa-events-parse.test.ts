/**
 * wpa_supplicant's association events (src/controllers/nl80211/wpa-events.ts) on lines
 * written from wpa_supplicant 2.10's own formats, never from the virtual rig's: the -t -f
 * log (wpa_debug.c: `"%ld.%06u: "`, then wpa_msg()'s `"%s: "` interface prefix) and the
 * control socket's `<3>` form (what wpa_cli prints); sme.c "SME: Trying to authenticate
 * with", "Trying to associate with", events.c "Associated with", wpa_ctrl.h
 * CTRL-EVENT-CONNECTED / CTRL-EVENT-DISCONNECTED.
 */
import { describe, expect, it } from 'vitest';
import { parseWpaEventLine } from '../controllers/nl80211/wpa-events.ts';

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
