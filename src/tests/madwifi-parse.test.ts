import { describe, expect, it } from 'vitest';
import {
  channelToFrequencyGHz,
  frequencyGHzToChannel,
  parseIwconfig,
  parseIweventLine,
  parseIwprivGet,
  parseLsmod,
} from '../controllers/madwifi/parse.ts';
import {
  formatIwconfig,
  formatIwconfigNoWireless,
  formatIweventBanner,
  formatIweventEvent,
  formatIweventLine,
  formatIwprivGet,
  formatLsmod,
  formatNoSuchDevice,
  type IwconfigState,
} from '../../rig/device/format.ts';

/*
 * Real-world outputs (wireless-tools 28/29, madwifi 0.9.x, module-init-tools),
 * written line by line so trailing blanks survive editors: iwconfig ends the
 * `Access Point:` item with three blanks and `Sensitivity=` with two.
 */
const L = (...lines: string[]) => lines.join('\n') + '\n';

// wireless-tools 29, madwifi 0.9.3 station, associated (open network)
const STA_ASSOCIATED = L(
  'ath0      IEEE 802.11g  ESSID:"rig-roam"  Nickname:""',
  '          Mode:Managed  Frequency:2.412 GHz  Access Point: 00:0B:6B:0A:00:01   ',
  '          Bit Rate:54 Mb/s   Tx-Power:18 dBm   Sensitivity=0/3  ',
  '          Retry:off   RTS thr:off   Fragment thr:off',
  '          Encryption key:off',
  '          Power Management:off',
  '          Link Quality=41/94  Signal level=-54 dBm  Noise level=-95 dBm',
  '          Rx invalid nwid:0  Rx invalid crypt:0  Rx invalid frag:0',
  '          Tx excessive retries:0  Invalid misc:0   Missed beacon:0',
  '',
);

// madwifi station that never joined: the driver reports no frequency (Channel:0)
const STA_NOT_ASSOCIATED = L(
  'ath0      IEEE 802.11g  ESSID:""  Nickname:""',
  '          Mode:Managed  Channel:0  Access Point: Not-Associated   ',
  '          Bit Rate:0 kb/s   Tx-Power:0 dBm   Sensitivity=0/3  ',
  '          Retry:off   RTS thr:off   Fragment thr:off',
  '          Encryption key:off',
  '          Power Management:off',
  '          Link Quality=0/94  Signal level=-95 dBm  Noise level=-95 dBm',
  '          Rx invalid nwid:0  Rx invalid crypt:0  Rx invalid frag:0',
  '          Tx excessive retries:0  Invalid misc:0   Missed beacon:0',
  '',
);

// madwifi-ng station after losing its AP: frequency kept, /70 quality scale, no key line
const STA_LOST_AP = L(
  'ath0      IEEE 802.11g  ESSID:"rig-roam"  Nickname:""',
  '          Mode:Managed  Frequency:2.437 GHz  Access Point: Not-Associated   ',
  '          Bit Rate:0 kb/s   Tx-Power:17 dBm   Sensitivity=1/1  ',
  '          Retry:off   RTS thr:off   Fragment thr:off',
  '          Power Management:off',
  '          Link Quality=0/70  Signal level=-96 dBm  Noise level=-96 dBm',
  '          Rx invalid nwid:0  Rx invalid crypt:0  Rx invalid frag:0',
  '          Tx excessive retries:0  Invalid misc:0   Missed beacon:0',
  '',
);

// madwifi 0.9.3 access point (hostapd, open)
const AP_MASTER = L(
  'ath0      IEEE 802.11g  ESSID:"rig-roam"  Nickname:""',
  '          Mode:Master  Frequency:2.437 GHz  Access Point: 00:0B:6B:0A:00:02   ',
  '          Bit Rate:0 kb/s   Tx-Power:16 dBm   Sensitivity=0/3  ',
  '          Retry:off   RTS thr:off   Fragment thr:off',
  '          Encryption key:off',
  '          Power Management:off',
  '          Link Quality=0/94  Signal level=-95 dBm  Noise level=-95 dBm',
  '          Rx invalid nwid:5  Rx invalid crypt:0  Rx invalid frag:0',
  '          Tx excessive retries:0  Invalid misc:0   Missed beacon:0',
  '',
);

// wireless-tools 28 era: ':' separators in the statistics, WEP key shown, 802.11b, lower-case BSSID never happens
// (iw_ether_ntop prints upper case) but the AP here is a Linksys
const WT28_WEP = L(
  'ath0      IEEE 802.11b  ESSID:"linksys"  Nickname:"localhost.localdomain"',
  '          Mode:Managed  Frequency:2.437 GHz  Access Point: 00:12:17:5C:3B:A2   ',
  '          Bit Rate:11 Mb/s   Tx-Power:18 dBm   Sensitivity=0/3  ',
  '          Retry:off   RTS thr:off   Fragment thr:off',
  '          Encryption key:1234-5678-90   Security mode:restricted',
  '          Power Management:off',
  '          Link Quality:35/94  Signal level:-60 dBm  Noise level:-95 dBm',
  '          Rx invalid nwid:0  Rx invalid crypt:0  Rx invalid frag:0',
  '          Tx excessive retries:0  Invalid misc:0   Missed beacon:0',
  '',
);

// 5 GHz station, WPA-PSK (wpa_supplicant 0.5.7): key shown with its index
const STA_5GHZ_WPA = L(
  'ath1      IEEE 802.11a  ESSID:"lab5g"  Nickname:""',
  '          Mode:Managed  Frequency:5.18 GHz  Access Point: 00:15:6D:10:20:30   ',
  '          Bit Rate:36 Mb/s   Tx-Power:17 dBm   Sensitivity=0/3  ',
  '          Retry:off   RTS thr:off   Fragment thr:off',
  '          Encryption key:8E6B-0C9D-A2F1-33C4-5B6A-7D8E-9F01-2345 [3]   Security mode:restricted',
  '          Power Management:off',
  '          Link Quality=28/94  Signal level=-67 dBm  Noise level=-95 dBm',
  '          Rx invalid nwid:0  Rx invalid crypt:0  Rx invalid frag:0',
  '          Tx excessive retries:3  Invalid misc:0   Missed beacon:1',
  '',
);

// `iwconfig` without arguments on a madwifi board
const ALL_INTERFACES =
  L('lo        no wireless extensions.', '', 'eth0      no wireless extensions.', '', 'wifi0     no wireless extensions.', '') +
  STA_ASSOCIATED;

describe('parseIwconfig on real outputs', () => {
  it('associated station (wireless-tools 29)', () => {
    expect(parseIwconfig(STA_ASSOCIATED)).toEqual({
      interface: 'ath0',
      protocol: 'IEEE 802.11g',
      essid: 'rig-roam',
      mode: 'Managed',
      frequencyGHz: 2.412,
      channel: 1,
      accessPoint: '00:0B:6B:0A:00:01',
      bitRateMbps: 54,
      txPowerDbm: 18,
      linkQuality: { value: 41, max: 94 },
      signalDbm: -54,
      noiseDbm: -95,
      encryption: 'off',
    });
  });

  it('station that never joined: Channel:0, Not-Associated, 0 kb/s', () => {
    expect(parseIwconfig(STA_NOT_ASSOCIATED)).toEqual({
      interface: 'ath0',
      protocol: 'IEEE 802.11g',
      essid: '',
      mode: 'Managed',
      frequencyGHz: null,
      channel: null,
      accessPoint: null,
      bitRateMbps: 0,
      txPowerDbm: 0,
      linkQuality: { value: 0, max: 94 },
      signalDbm: -95,
      noiseDbm: -95,
      encryption: 'off',
    });
  });

  it('station that lost its AP keeps its frequency; no Encryption line means off', () => {
    const p = parseIwconfig(STA_LOST_AP);
    expect(p.accessPoint).toBeNull();
    expect(p.essid).toBe('rig-roam');
    expect(p.frequencyGHz).toBe(2.437);
    expect(p.channel).toBe(6);
    expect(p.linkQuality).toEqual({ value: 0, max: 70 });
    expect(p.signalDbm).toBe(-96);
    expect(p.txPowerDbm).toBe(17);
    expect(p.encryption).toBe('off');
  });

  it('access point: Mode:Master, own BSSID', () => {
    const p = parseIwconfig(AP_MASTER);
    expect(p.mode).toBe('Master');
    expect(p.accessPoint).toBe('00:0B:6B:0A:00:02');
    expect(p.channel).toBe(6);
    expect(p.bitRateMbps).toBe(0);
    expect(p.txPowerDbm).toBe(16);
    expect(p.linkQuality).toEqual({ value: 0, max: 94 });
  });

  it("wireless-tools 28: ':' separators, WEP key", () => {
    const p = parseIwconfig(WT28_WEP);
    expect(p.protocol).toBe('IEEE 802.11b');
    expect(p.essid).toBe('linksys');
    expect(p.accessPoint).toBe('00:12:17:5C:3B:A2');
    expect(p.bitRateMbps).toBe(11);
    expect(p.linkQuality).toEqual({ value: 35, max: 94 });
    expect(p.signalDbm).toBe(-60);
    expect(p.noiseDbm).toBe(-95);
    expect(p.encryption).toBe('on');
  });

  it('5 GHz, WPA key with index', () => {
    const p = parseIwconfig(STA_5GHZ_WPA);
    expect(p.interface).toBe('ath1');
    expect(p.protocol).toBe('IEEE 802.11a');
    expect(p.frequencyGHz).toBe(5.18);
    expect(p.channel).toBe(36);
    expect(p.bitRateMbps).toBe(36);
    expect(p.encryption).toBe('on');
    expect(p.signalDbm).toBe(-67);
  });

  it('whole listing: the first wireless interface', () => {
    const p = parseIwconfig(ALL_INTERFACES);
    expect(p.interface).toBe('ath0');
    expect(p.accessPoint).toBe('00:0B:6B:0A:00:01');
  });

  it('CRLF line ends, odd forms', () => {
    expect(parseIwconfig(STA_ASSOCIATED.replace(/\n/g, '\r\n')).signalDbm).toBe(-54);
    const odd = STA_ASSOCIATED.replace('ESSID:"rig-roam"', 'ESSID:off/any')
      .replace('Bit Rate:54 Mb/s', 'Bit Rate=5.5 Mb/s')
      .replace('Tx-Power:18 dBm', 'Tx-Power:off')
      .replace('Access Point: 00:0B:6B:0A:00:01', 'Access Point: 00:00:00:00:00:00')
      .replace('Frequency:2.412 GHz', 'Frequency=2.484 GHz');
    const p = parseIwconfig(odd);
    expect(p.essid).toBeNull();
    expect(p.bitRateMbps).toBe(5.5);
    expect(p.txPowerDbm).toBeNull();
    expect(p.accessPoint).toBeNull();
    expect(p.channel).toBe(14);
    expect(parseIwconfig(STA_ASSOCIATED.replace('Bit Rate:54 Mb/s', 'Bit Rate:500 kb/s')).bitRateMbps).toBe(0.5);
    expect(parseIwconfig(STA_ASSOCIATED.replace('00:0B:6B:0A:00:01', '00:0b:6b:0a:00:01')).accessPoint).toBe('00:0B:6B:0A:00:01');
    expect(parseIwconfig(STA_ASSOCIATED.replace('ESSID:"rig-roam"', 'ESSID:"two  words"')).essid).toBe('two  words');
  });
});

describe('parseIwconfig errors', () => {
  it('No such device', () => {
    expect(() => parseIwconfig('ath9      No such device\n\n')).toThrow(/ath9: No such device/);
    expect(() => parseIwconfig('ath9     No such device')).toThrow(/No such device/);
  });
  it('no wireless extensions, empty, something else', () => {
    expect(() => parseIwconfig('eth0      no wireless extensions.\n\n')).toThrow(/eth0: no wireless extensions/);
    expect(() => parseIwconfig('')).toThrow(/not iwconfig output/);
    expect(() => parseIwconfig('sh: iwconfig: not found\n')).toThrow(/not iwconfig output/);
    expect(() => parseIwconfig(STA_ASSOCIATED.replace('00:0B:6B:0A:00:01', 'zz:0B:6B'))).toThrow(/access point/);
  });
  it('errors are plain Errors', () => {
    let err: unknown;
    try {
      parseIwconfig('ath9      No such device');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).constructor).toBe(Error);
  });
});

describe('parseIweventLine', () => {
  // wireless-tools 29 iwevent on a madwifi station during a roam, then an AP's view
  const REAL = [
    'Waiting for Wireless Events from interfaces...',
    '15:23:43.522811   ath0     New Access Point/Cell address:Not-Associated',
    '15:23:43.528839   ath0     New Access Point/Cell address:00:0B:6B:0A:00:02',
    '15:23:44.102347   ath0     Custom driver event:MLME-MICHAELMICFAILURE.indication(keyid=1 unicast addr=00:0b:6b:0a:00:02)',
    '15:23:45.000001   ath0     Set ESSID:"rig-roam"',
    '15:23:45.730112   ath0     Registered node:00:0B:6B:0A:00:10',
    '15:24:15.730112   ath0     Expired node:00:0B:6B:0A:00:10',
    '15:24:16.004002   ath0     Scan request completed',
    '',
  ];

  it('banner and blank lines give null', () => {
    expect(parseIweventLine(REAL[0])).toBeNull();
    expect(parseIweventLine('')).toBeNull();
    expect(parseIweventLine('   \r')).toBeNull();
  });

  it('Not-Associated and a new BSSID, with microseconds', () => {
    expect(parseIweventLine(REAL[1])).toEqual({
      time: { h: 15, m: 23, s: 43, us: 522811 },
      iface: 'ath0',
      kind: 'ap',
      bssid: null,
      text: 'New Access Point/Cell address:Not-Associated',
    });
    expect(parseIweventLine(REAL[2])).toEqual({
      time: { h: 15, m: 23, s: 43, us: 528839 },
      iface: 'ath0',
      kind: 'ap',
      bssid: '00:0B:6B:0A:00:02',
      text: 'New Access Point/Cell address:00:0B:6B:0A:00:02',
    });
  });

  it('other events', () => {
    const custom = parseIweventLine(REAL[3])!;
    expect(custom.kind).toBe('other');
    expect(custom.bssid).toBeNull();
    expect(custom.text).toBe('Custom driver event:MLME-MICHAELMICFAILURE.indication(keyid=1 unicast addr=00:0b:6b:0a:00:02)');
    expect(parseIweventLine(REAL[4])).toMatchObject({ time: { h: 15, m: 23, s: 45, us: 1 }, kind: 'other', text: 'Set ESSID:"rig-roam"' });
    expect(parseIweventLine(REAL[5])).toMatchObject({ kind: 'other', text: 'Registered node:00:0B:6B:0A:00:10' });
    expect(parseIweventLine(REAL[6])).toMatchObject({ kind: 'other', text: 'Expired node:00:0B:6B:0A:00:10' });
    expect(parseIweventLine(REAL[7])).toMatchObject({ kind: 'other', text: 'Scan request completed' });
    expect(REAL.map(parseIweventLine).filter((e) => e !== null)).toHaveLength(7);
  });

  it('wireless-tools 28 printed the all-zero address; CRLF; long interface names', () => {
    expect(parseIweventLine('09:01:02.000100   ath0     New Access Point/Cell address:00:00:00:00:00:00\r')).toMatchObject({
      kind: 'ap',
      bssid: null,
      time: { h: 9, m: 1, s: 2, us: 100 },
    });
    expect(parseIweventLine('23:59:59.999999   wlan0-sta1 New Access Point/Cell address:00:0b:6b:0a:00:01')).toMatchObject({
      iface: 'wlan0-sta1',
      bssid: '00:0B:6B:0A:00:01',
      time: { h: 23, m: 59, s: 59, us: 999999 },
    });
  });

  it('not an event line → Error', () => {
    expect(() => parseIweventLine('iwevent: command not found')).toThrow(/not an iwevent line/);
    expect(() => parseIweventLine('15:23:43.528839   ath0     New Access Point/Cell address:00:0B')).toThrow(/address/);
    expect(() => parseIweventLine('25:23:43.528839   ath0     Set ESSID:"x"')).toThrow(/bad time/);
  });
});

describe('parseIwprivGet', () => {
  it('reads the value', () => {
    expect(parseIwprivGet('ath0      get_rssi11g:24  \n')).toBe(24);
    expect(parseIwprivGet('ath0      get_hostroaming:1  ')).toBe(1);
    expect(parseIwprivGet('ath0      get_rssi11g:24')).toBe(24);
    expect(parseIwprivGet('ath0      get_bgscan_thresh:-90  \n')).toBe(-90);
  });
  it('errors', () => {
    expect(() => parseIwprivGet('Invalid command : get_foo\n')).toThrow(/not iwpriv get output/);
    expect(() => parseIwprivGet('ath9      No such device\n')).toThrow(/not iwpriv get output/);
    expect(() => parseIwprivGet('')).toThrow(/empty/);
    expect(() => parseIwprivGet('ath0      get_mode:11g  \n')).toThrow(/expected one integer/);
  });
});

describe('channels', () => {
  it('2.4 GHz, 5 GHz, 4.9 GHz and back', () => {
    expect(channelToFrequencyGHz(1)).toBe(2.412);
    expect(channelToFrequencyGHz(6)).toBe(2.437);
    expect(channelToFrequencyGHz(11)).toBe(2.462);
    expect(channelToFrequencyGHz(13)).toBe(2.472);
    expect(channelToFrequencyGHz(14)).toBe(2.484);
    expect(channelToFrequencyGHz(36)).toBe(5.18);
    expect(channelToFrequencyGHz(64)).toBe(5.32);
    expect(channelToFrequencyGHz(149)).toBe(5.745);
    expect(channelToFrequencyGHz(165)).toBe(5.825);
    expect(channelToFrequencyGHz(184)).toBe(4.92);
    for (const ch of [1, 2, 6, 11, 13, 14, 36, 40, 44, 48, 52, 100, 116, 140, 149, 153, 157, 161, 165, 184, 188]) {
      expect(frequencyGHzToChannel(channelToFrequencyGHz(ch))).toBe(ch);
    }
    expect(frequencyGHzToChannel(2.4)).toBeNull();
    expect(frequencyGHzToChannel(5.1801)).toBeNull();
    expect(() => channelToFrequencyGHz(0)).toThrow(RangeError);
    expect(() => channelToFrequencyGHz(15)).toThrow(RangeError);
    expect(() => channelToFrequencyGHz(1.5)).toThrow(RangeError);
  });
});

const STATE_ASSOCIATED: IwconfigState = {
  iface: 'ath0',
  essid: 'rig-roam',
  mode: 'Managed',
  frequencyGHz: 2.412,
  accessPoint: '00:0b:6b:0a:00:01',
  bitRateMbps: 54,
  txPowerDbm: 18,
  linkQuality: 41,
  signalDbm: -54,
  noiseDbm: -95,
  encryption: false,
};

describe('formatIwconfig: byte-exact and round trips', () => {
  it('prints the real associated output byte for byte', () => {
    expect(formatIwconfig(STATE_ASSOCIATED)).toBe(STA_ASSOCIATED);
  });

  it('prints the real never-joined output byte for byte', () => {
    expect(
      formatIwconfig({
        ...STATE_ASSOCIATED,
        essid: '',
        frequencyGHz: null,
        accessPoint: null,
        bitRateMbps: 0,
        txPowerDbm: 0,
        linkQuality: 0,
        signalDbm: -95,
      }),
    ).toBe(STA_NOT_ASSOCIATED);
  });

  it('prints the real AP output (except the rx counter) byte for byte', () => {
    expect(
      formatIwconfig({
        ...STATE_ASSOCIATED,
        mode: 'Master',
        frequencyGHz: 2.437,
        accessPoint: '00:0B:6B:0A:00:02',
        bitRateMbps: 0,
        txPowerDbm: 16,
        linkQuality: 0,
        signalDbm: -95,
      }),
    ).toBe(AP_MASTER.replace('Rx invalid nwid:5', 'Rx invalid nwid:0'));
  });

  it('round trip: associated', () => {
    expect(parseIwconfig(formatIwconfig(STATE_ASSOCIATED))).toEqual(parseIwconfig(STA_ASSOCIATED));
  });

  it('round trip: not associated (frequency kept), AP, 5 GHz with encryption', () => {
    const lost = parseIwconfig(formatIwconfig({ ...STATE_ASSOCIATED, accessPoint: null, frequencyGHz: 2.437, bitRateMbps: 0, linkQuality: 0, signalDbm: -96 }));
    expect(lost).toMatchObject({ accessPoint: null, essid: 'rig-roam', frequencyGHz: 2.437, channel: 6, bitRateMbps: 0, signalDbm: -96 });
    expect(parseIwconfig(formatIwconfig({ ...STATE_ASSOCIATED, accessPoint: '00:00:00:00:00:00' })).accessPoint).toBeNull();
    const ap = parseIwconfig(formatIwconfig({ ...STATE_ASSOCIATED, mode: 'Master', accessPoint: '00:0B:6B:0A:00:02', frequencyGHz: 2.462 }));
    expect(ap).toMatchObject({ mode: 'Master', accessPoint: '00:0B:6B:0A:00:02', channel: 11, frequencyGHz: 2.462 });
    const a = parseIwconfig(
      formatIwconfig({ ...STATE_ASSOCIATED, iface: 'ath1', frequencyGHz: 5.745, encryption: true, bitRateMbps: 5.5, txPowerDbm: null }),
    );
    expect(a).toMatchObject({
      interface: 'ath1',
      protocol: 'IEEE 802.11a',
      frequencyGHz: 5.745,
      channel: 149,
      encryption: 'on',
      bitRateMbps: 5.5,
      txPowerDbm: null,
    });
  });

  it('round trip over a range of states', () => {
    for (const ch of [1, 6, 11, 14, 36, 149]) {
      for (const q of [0, 1, 41, 94]) {
        const state: IwconfigState = {
          ...STATE_ASSOCIATED,
          frequencyGHz: channelToFrequencyGHz(ch),
          linkQuality: q,
          signalDbm: -95 + q,
          noiseDbm: -95,
          accessPoint: q === 0 ? null : `00:0B:6B:0A:00:${ch.toString(16).toUpperCase().padStart(2, '0')}`,
          bitRateMbps: [0, 1, 2, 5.5, 11, 54][ch % 6],
          protocol: 'IEEE 802.11g',
        };
        const p = parseIwconfig(formatIwconfig(state));
        expect(p.channel).toBe(ch);
        expect(p.frequencyGHz).toBe(state.frequencyGHz);
        expect(p.linkQuality).toEqual({ value: q, max: 94 });
        expect(p.signalDbm).toBe(-95 + q);
        expect(p.accessPoint).toBe(state.accessPoint);
        expect(p.bitRateMbps).toBe(state.bitRateMbps);
      }
    }
  });

  it('missing interfaces and interfaces without wireless extensions', () => {
    expect(formatNoSuchDevice('ath9')).toBe('ath9      No such device\n\n');
    expect(formatIwconfigNoWireless('eth0')).toBe('eth0      no wireless extensions.\n\n');
    expect(() => parseIwconfig(formatNoSuchDevice('ath9'))).toThrow(/ath9: No such device/);
    expect(() => parseIwconfig(formatIwconfigNoWireless('eth0'))).toThrow(/eth0: no wireless extensions/);
    const listing = formatIwconfigNoWireless('lo') + formatIwconfigNoWireless('eth0') + formatIwconfigNoWireless('wifi0') + formatIwconfig(STATE_ASSOCIATED);
    expect(listing).toBe(ALL_INTERFACES);
    expect(parseIwconfig(listing).interface).toBe('ath0');
  });
});

describe('formatIwevent*: byte-exact and round trips', () => {
  // 2007-05-14 15:23:43.528839 UTC
  const t = Date.UTC(2007, 4, 14, 15, 23, 43) + 528.839;

  it('prints the real lines', () => {
    expect(formatIweventBanner()).toBe('Waiting for Wireless Events from interfaces...\n');
    expect(formatIweventLine(t, 'ath0', '00:0b:6b:0a:00:02')).toBe('15:23:43.528839   ath0     New Access Point/Cell address:00:0B:6B:0A:00:02\n');
    expect(formatIweventLine(t, 'ath0', null)).toBe('15:23:43.528839   ath0     New Access Point/Cell address:Not-Associated\n');
    expect(formatIweventLine(t, 'ath0', '00:00:00:00:00:00')).toBe('15:23:43.528839   ath0     New Access Point/Cell address:Not-Associated\n');
    expect(formatIweventEvent(t, 'ath0', 'Registered node:00:0B:6B:0A:00:10')).toBe('15:23:43.528839   ath0     Registered node:00:0B:6B:0A:00:10\n');
  });

  it('microseconds: padding, whole milliseconds, carry', () => {
    const base = Date.UTC(2007, 4, 14, 0, 0, 0);
    expect(parseIweventLine(formatIweventLine(base, 'ath0', null))!.time).toEqual({ h: 0, m: 0, s: 0, us: 0 });
    expect(parseIweventLine(formatIweventLine(base + 1.001, 'ath0', null))!.time).toEqual({ h: 0, m: 0, s: 0, us: 1001 });
    // epoch milliseconds carry about 0.25 us of float precision: printed to the nearest microsecond
    expect(formatIweventLine(base + 0.0001, 'ath0', null).slice(0, 15)).toBe('00:00:00.000000');
    expect(formatIweventLine(base + 999.9999, 'ath0', null).slice(0, 15)).toBe('00:00:01.000000');
    expect(formatIweventLine(base + 86_399_999.999, 'ath0', null).slice(0, 15)).toBe('23:59:59.999999');
  });

  it('round trip', () => {
    const lines = [formatIweventBanner(), formatIweventLine(t, 'ath0', null), formatIweventLine(t + 6.028, 'ath0', '00:0B:6B:0A:00:02')];
    const events = lines.map(parseIweventLine);
    expect(events[0]).toBeNull();
    expect(events[1]).toEqual({ time: { h: 15, m: 23, s: 43, us: 528839 }, iface: 'ath0', kind: 'ap', bssid: null, text: 'New Access Point/Cell address:Not-Associated' });
    expect(events[2]).toMatchObject({ time: { h: 15, m: 23, s: 43, us: 534867 }, kind: 'ap', bssid: '00:0B:6B:0A:00:02' });
  });
});

describe('formatIwprivGet', () => {
  it('prints the real shape and round trips', () => {
    expect(formatIwprivGet('ath0', 'get_rssi11g', 24)).toBe('ath0      get_rssi11g:24  \n');
    expect(parseIwprivGet(formatIwprivGet('ath0', 'get_hostroaming', 1))).toBe(1);
    expect(parseIwprivGet(formatIwprivGet('ath0', 'get_rssi11a', -3))).toBe(-3);
  });
});

describe('lsmod', () => {
  // module-init-tools lsmod on a madwifi 0.9.3 board (Linux 2.6.16), most recent first
  const REAL_LSMOD = L(
    'Module                  Size  Used by',
    'wlan_scan_sta          12928  1 ',
    'ath_pci                93736  0 ',
    'ath_rate_sample        13568  1 ath_pci',
    'wlan                  186396  4 wlan_scan_sta,ath_pci,ath_rate_sample',
    'ath_hal               190032  3 ath_pci,ath_rate_sample',
  );

  it('parses the real output', () => {
    expect(parseLsmod(REAL_LSMOD)).toEqual([
      { name: 'wlan_scan_sta', size: 12928, useCount: 1, usedBy: [] },
      { name: 'ath_pci', size: 93736, useCount: 0, usedBy: [] },
      { name: 'ath_rate_sample', size: 13568, useCount: 1, usedBy: ['ath_pci'] },
      { name: 'wlan', size: 186396, useCount: 4, usedBy: ['wlan_scan_sta', 'ath_pci', 'ath_rate_sample'] },
      { name: 'ath_hal', size: 190032, useCount: 3, usedBy: ['ath_pci', 'ath_rate_sample'] },
    ]);
  });

  it('formats byte for byte and round trips', () => {
    const modules = [
      { name: 'wlan_scan_sta', size: 12928, usedBy: [], useCount: 1 },
      { name: 'ath_pci', size: 93736, usedBy: [] },
      { name: 'ath_rate_sample', size: 13568, usedBy: ['ath_pci'] },
      { name: 'wlan', size: 186396, usedBy: ['wlan_scan_sta', 'ath_pci', 'ath_rate_sample'], useCount: 4 },
      { name: 'ath_hal', size: 190032, usedBy: ['ath_pci', 'ath_rate_sample'], useCount: 3 },
    ];
    expect(formatLsmod(modules)).toBe(REAL_LSMOD);
    expect(parseLsmod(formatLsmod(modules)).map((m) => m.name)).toEqual(modules.map((m) => m.name));
    expect(formatLsmod([])).toBe('Module                  Size  Used by\n');
    expect(parseLsmod(formatLsmod([]))).toEqual([]);
  });

  it('not lsmod → Error', () => {
    expect(() => parseLsmod('sh: lsmod: not found\n')).toThrow(/not lsmod output/);
  });
});
