/**
 * The nl80211 station's parsers (src/controllers/nl80211/parse.ts) on inputs written
 * from the tools' printf formats, never from the virtual rig's formatter: iw link.c
 * (link_bss_handler(), print_link_sta()), iw event.c (print_event(), print_frame(), the
 * -t stamp `%llu.%06llu: `), iw util.c (mac_addr_n2a() lower case, reason and status
 * texts), wpa_supplicant ctrl_iface.c (STATUS, BSS) and wpa_cli.c (replies printed as
 * they are). Malformed inputs are refused with a message naming what was wrong.
 */
import { describe, expect, it } from 'vitest';
import {
  channelOfMhz,
  parseIwEventLine,
  parseIwLink,
  parseWpaBss,
  parseWpaCliKeyValues,
  parseWpaCliOk,
  parseWpaStatus,
} from '../controllers/nl80211/parse.ts';
import { wpaSupplicantConf } from '../controllers/nl80211/station.ts';

describe('iw dev IFACE link', () => {
  it('iw 6.x on a VHT link: BSSID (upper-cased), SSID, frequency with its offset, signal with chains', () => {
    const text = [
      'Connected to 7c:10:c9:a3:51:e4 (on wlp2s0)',
      '\tSSID: lab-5g',
      '\tfreq: 5180.0',
      '\tRX: 3421341 bytes (12345 packets)',
      '\tTX: 345678 bytes (2345 packets)',
      '\tsignal: -48 [-50, -52] dBm',
      '\trx bitrate: 866.7 MBit/s VHT-MCS 9 80MHz short GI VHT-NSS 2',
      '\ttx bitrate: 780.0 MBit/s VHT-MCS 8 80MHz short GI VHT-NSS 2',
      '\tbss flags: short-slot-time',
      '\tdtim period: 1',
      '\tbeacon int: 100',
      '',
    ].join('\n');
    expect(parseIwLink(text)).toEqual({ bssid: '7C:10:C9:A3:51:E4', iface: 'wlp2s0', ssid: 'lab-5g', freqMhz: 5180, channel: 36, signalDbm: -48 });
  });

  it('iw 4.x: `freq: %d` without offset, `bss flags:\\t` after a blank line, an escaped SSID', () => {
    const text = 'Connected to 00:0b:6b:0a:00:02 (on wlan0)\n\tSSID: \\x20lab net\n\tfreq: 2437\n\tsignal: -61 dBm\n\ttx bitrate: 54.0 MBit/s\n\n\tbss flags:\tshort-slot-time\n\tdtim period:\t2\n\tbeacon int:\t100\n';
    expect(parseIwLink(text)).toEqual({ bssid: '00:0B:6B:0A:00:02', iface: 'wlan0', ssid: ' lab net', freqMhz: 2437, channel: 6, signalDbm: -61 });
  });

  it('not associated: `Not connected.`, also after an `Authenticated with` line (handle_link() prints it when nothing is associated)', () => {
    expect(parseIwLink('Not connected.\n').bssid).toBeNull();
    expect(parseIwLink('Authenticated with 00:0b:6b:0a:00:02 (on wlan0)\nNot connected.\n')).toMatchObject({ bssid: null, signalDbm: null });
  });

  it('refuses what is not a station link', () => {
    expect(() => parseIwLink('')).toThrow(/empty output/);
    expect(() => parseIwLink('command failed: No such device (-19)\n')).toThrow(/not iw link output/);
    expect(() => parseIwLink('Joined IBSS 02:11:22:33:44:55 (on wlan0)\n\tfreq: 2412\n')).toThrow(/IBSS/);
    expect(() => parseIwLink('Connected to 00:0b:6b:0a:00 (on wlan0)\n')).toThrow(/not a MAC address/);
    expect(() => parseIwLink('Connected to 00:0b:6b:0a:00:02 (on wlan0)\n\tfreq: 24x7\n')).toThrow(/unreadable "freq: 24x7"/);
    expect(() => parseIwLink('Connected to 00:0b:6b:0a:00:02 (on wlan0)\nsignal: -40 dBm\n')).toThrow(/unexpected line/);
  });

  it('channel numbers of 2.4, 5 and 6 GHz centre frequencies', () => {
    expect([2412, 2472, 2484, 5180, 5825, 5955, 6115].map(channelOfMhz)).toEqual([1, 13, 14, 36, 165, 1, 33]);
    expect([2411, 2500, 4900, 2412.5].map(channelOfMhz)).toEqual([null, null, null, null]);
  });
});

describe('iw event -t', () => {
  const at = '1700000123.045678: ';

  it('connected to / roamed to: a join, timed by the line\'s own stamp', () => {
    expect(parseIwEventLine(`${at}wlan0 (phy #0): connected to 00:0b:6b:0a:00:02`)).toEqual({
      timeMs: 1_700_000_123_045.678,
      iface: 'wlan0',
      event: { kind: 'connected', bssid: '00:0B:6B:0A:00:02' },
      text: 'connected to 00:0b:6b:0a:00:02',
    });
    expect(parseIwEventLine(`${at}wlp3s0 (phy #1): roamed to 00:0b:6b:0a:00:07`)?.event).toEqual({ kind: 'roamed', bssid: '00:0B:6B:0A:00:07' });
  });

  it('disconnected: by the AP or on a local request, with or without the reason', () => {
    expect(parseIwEventLine(`${at}wlan0 (phy #0): disconnected (by AP) reason: 3: Deauthenticated because sending station is leaving (or has left) the IBSS or ESS`)?.event).toEqual({
      kind: 'disconnected',
      byAp: true,
      reason: 3,
    });
    expect(parseIwEventLine(`${at}wlan0 (phy #0): disconnected (local request) reason: 1: Unspecified`)?.event).toEqual({ kind: 'disconnected', byAp: false, reason: 1 });
    expect(parseIwEventLine(`${at}wlan0 (phy #0): disconnected (local request)`)?.event).toEqual({ kind: 'disconnected', byAp: false, reason: null });
  });

  it('auth / assoc / deauth frames: transmitter -> receiver and the status or reason; timed out', () => {
    expect(parseIwEventLine(`${at}wlan0 (phy #0): auth 00:0b:6b:0a:00:02 -> 00:03:7f:0c:00:01 status: 0: Successful`)?.event).toEqual({
      kind: 'auth',
      from: '00:0B:6B:0A:00:02',
      to: '00:03:7F:0C:00:01',
      code: 0,
    });
    expect(parseIwEventLine(`${at}wlan0 (phy #0): assoc 00:0b:6b:0a:00:02 -> 00:03:7f:0c:00:01 status: 17: Association denied because AP is unable to handle additional associated STA`)?.event).toMatchObject({ kind: 'assoc', code: 17 });
    expect(parseIwEventLine(`${at}wlan0 (phy #0): deauth 00:03:7f:0c:00:01 -> 00:0b:6b:0a:00:01 reason 1: Unspecified`)?.event).toEqual({
      kind: 'deauth',
      from: '00:03:7F:0C:00:01',
      to: '00:0B:6B:0A:00:01',
      code: 1,
    });
    expect(parseIwEventLine(`${at}wlan0 (phy #0): auth: timed out`)?.event).toEqual({ kind: 'auth', from: null, to: null, code: null });
    expect(parseIwEventLine(`${at}wlan0 (phy #0): unprotected deauth 00:0b:6b:0a:00:01 -> 00:03:7f:0c:00:01 reason 2: Previous authentication no longer valid`)?.event).toMatchObject({ kind: 'deauth', code: 2 });
  });

  it('everything else is an event to ignore, with or without an interface', () => {
    for (const [rest, iface] of [
      ['wlan0 (phy #0): scan started', 'wlan0'],
      ['wlan0 (phy #0): scan finished: 2412 2417 2422 2427 2432 2437 2442 2447 2452 2457 2462, ""', 'wlan0'],
      ['wlan0 (phy #0): failed to connect to 00:0b:6b:0a:00:02, status: 1: Unspecified failure', 'wlan0'],
      ['wlan0 (phy #0): new station 00:0b:6b:0a:00:02', 'wlan0'],
      ['wlan0 (phy #0): CQM event: RSSI (-71 dBm) went below threshold', 'wlan0'],
      ['phy #0: beacon hint:', null],
      ['regulatory domain change: set to DE by a user request', null],
      ['wlan0 (phy #0): unknown event 107 (external_auth)', 'wlan0'],
    ] as const) {
      const ev = parseIwEventLine(at + rest);
      expect(ev?.event, rest).toEqual({ kind: 'other' });
      expect(ev?.iface, rest).toBe(iface);
    }
  });

  it('refuses lines without the -t stamp, a stamp of another shape, unreadable addresses; blank lines are nothing', () => {
    expect(parseIwEventLine('')).toBeNull();
    expect(() => parseIwEventLine('wlan0 (phy #0): connected to 00:0b:6b:0a:00:02')).toThrow(/no "SECONDS.MICROSECONDS: " stamp/);
    expect(() => parseIwEventLine('1700000123.045: wlan0 (phy #0): connected to 00:0b:6b:0a:00:02')).toThrow(/stamp/);
    expect(() => parseIwEventLine('[2023-11-14 22:15:23.045678]: wlan0 (phy #0): connected to 00:0b:6b:0a:00:02')).toThrow(/stamp/);
    expect(() => parseIwEventLine(`${at}wlan0 (phy #0): connected to somewhere`)).toThrow(/unreadable/);
    expect(() => parseIwEventLine(`${at}wlan0 (phy #0): deauth 00:0b:6b:0a:00 -> 00:03:7f:0c:00:01 reason 1: Unspecified`)).toThrow(/unreadable/);
    expect(() => parseIwEventLine(`${at}wlan0 (phy #0): disconnected for no reason`)).toThrow(/unreadable/);
    // iw event without -t, when the caller says so
    expect(parseIwEventLine('wlan0 (phy #0): connected to 00:0b:6b:0a:00:02', { stamped: false })).toMatchObject({ timeMs: null, event: { kind: 'connected' } });
  });
});

describe('wpa_cli replies', () => {
  it('status of an associated WPA2 station (wpa_supplicant 2.10), every name=value line kept', () => {
    const text = [
      'bssid=7c:10:c9:a3:51:e4',
      'freq=5180',
      'ssid=lab-5g',
      'id=0',
      'mode=station',
      'wifi_generation=5',
      'pairwise_cipher=CCMP',
      'group_cipher=CCMP',
      'key_mgmt=WPA2-PSK',
      'wpa_state=COMPLETED',
      'ip_address=192.168.1.23',
      'p2p_device_address=7e:10:c9:a3:51:e5',
      'address=7c:10:c9:a3:51:e5',
      'uuid=6a3e1c36-8a0f-5d35-b9b6-2fa6e1d1f0c4',
      '',
    ].join('\n');
    expect(parseWpaStatus(text)).toEqual({ wpaState: 'COMPLETED', bssid: '7C:10:C9:A3:51:E4', ssid: 'lab-5g', freqMhz: 5180, keyMgmt: 'WPA2-PSK', address: '7C:10:C9:A3:51:E5' });
    expect(parseWpaCliKeyValues(text).uuid).toBe('6a3e1c36-8a0f-5d35-b9b6-2fa6e1d1f0c4');
  });

  it('status before the association: no bssid, ssid or freq', () => {
    expect(parseWpaStatus('wpa_state=SCANNING\naddress=7c:10:c9:a3:51:e5\nuuid=6a3e1c36-8a0f-5d35-b9b6-2fa6e1d1f0c4\n')).toEqual({
      wpaState: 'SCANNING',
      bssid: null,
      ssid: null,
      freqMhz: null,
      keyMgmt: null,
      address: '7C:10:C9:A3:51:E5',
    });
  });

  it('a value may hold "=" (the first one splits); lines that are not name=value are refused', () => {
    expect(parseWpaCliKeyValues('ssid=a=b\n')).toEqual({ ssid: 'a=b' });
    expect(() => parseWpaStatus('FAIL\n')).toThrow(/not a name=value reply: "FAIL"/);
    expect(() => parseWpaStatus("Failed to connect to non-global ctrl_ifname: wlan0  error: No such file or directory\n")).toThrow(/not a name=value/);
    expect(() => parseWpaStatus('bssid=7c:10:c9:a3:51:e4\n')).toThrow(/no wpa_state/);
    expect(() => parseWpaStatus('bssid=7c:10:c9:a3:51\nwpa_state=COMPLETED\n')).toThrow(/not a MAC address/);
  });

  it('bss BSSID: the entry with its age; an empty reply means no entry', () => {
    const text = [
      'id=4',
      'bssid=00:0b:6b:0a:00:02',
      'freq=2437',
      'beacon_int=100',
      'capabilities=0x0431',
      'qual=0',
      'noise=-92',
      'level=-61',
      'tsf=0000000123456789',
      'age=37',
      'ie=0008726967...',
      'flags=[WPA2-PSK-CCMP][ESS]',
      'ssid=rig-roam',
      'snr=31',
      'est_throughput=65000',
      '',
    ].join('\n');
    expect(parseWpaBss(text)).toEqual({ bssid: '00:0B:6B:0A:00:02', ageS: 37, freqMhz: 2437, levelDbm: -61, ssid: 'rig-roam' });
    expect(parseWpaBss('')).toBeNull();
    expect(() => parseWpaBss('id=4\nbssid=00:0b:6b:0a:00:02\nage=soon\n')).toThrow(/no bssid and age/);
  });

  it('one-word replies: OK, FAIL and FAIL-*; anything else is refused', () => {
    expect(parseWpaCliOk('OK\n')).toBe(true);
    expect(parseWpaCliOk('FAIL\n')).toBe(false);
    expect(parseWpaCliOk('FAIL-BUSY\n')).toBe(false);
    expect(() => parseWpaCliOk('UNKNOWN COMMAND\n')).toThrow(/expected OK or FAIL/);
    expect(() => parseWpaCliOk('')).toThrow(/\(empty\)/);
  });
});

describe('wpa_supplicant.conf for one network', () => {
  it('open: key_mgmt=NONE; WPA-PSK: the passphrase in quotes; the control interface wpa_cli uses by default', () => {
    expect(wpaSupplicantConf('rig-roam', null)).toBe('ctrl_interface=/var/run/wpa_supplicant\nap_scan=1\nnetwork={\n\tssid="rig-roam"\n\tkey_mgmt=NONE\n}\n');
    expect(wpaSupplicantConf('rig-roam', 'correct horse battery')).toContain('\tkey_mgmt=WPA-PSK\n\tpsk="correct horse battery"\n');
    // The bench's channels 1 and 6 (2412 and 2437 MHz, IEEE 802.11 clause 17/18): scans limited to them.
    expect(wpaSupplicantConf('rig-roam', null, [1, 6, 6])).toContain('\tscan_freq=2412 2437\n\tfreq_list=2412 2437\n');
  });
  it('refuses a passphrase wpa_supplicant would not take (8..63 printable ASCII)', () => {
    expect(() => wpaSupplicantConf('rig-roam', 'short')).toThrow(/8\.\.63/);
    expect(() => wpaSupplicantConf('rig-roam', 'has a\nnewline')).toThrow(/printable/);
  });
});
