/**
 * The nl80211 access point's parsers (src/controllers/nl80211/hostapd-parse.ts) and the
 * hostapd.conf / BSS_TM_REQ it writes, on inputs written from hostapd's own printf formats
 * (never from the virtual rig's formatter): src/ap/ctrl_iface_ap.c
 * hostapd_ctrl_iface_status() and hostapd_ctrl_iface_sta_mib() (ap_sta_flags_txt()),
 * hostapd/hostapd_cli.c all_sta (STA-FIRST, then STA-NEXT per address, every reply
 * printed), hostapd/ctrl_iface.c replies (OK / FAIL), iw info.c (`txpower %d.%.2d dBm`).
 */
import { describe, expect, it } from 'vitest';
import { bssTmRequestArgs, hostapdNl80211Conf, operatingClass } from '../controllers/nl80211/access-point.ts';
import { associatedStations, parseHostapdAllSta, parseHostapdCliOk, parseHostapdStatus, parseIwInfoTxPower } from '../controllers/nl80211/hostapd-parse.ts';

/** hostapd 2.10 `hostapd_cli -i wlan1 status` on a mac80211_hwsim radio, hw_mode=g channel 6, no 11n. */
const STATUS_2_10 = [
  'state=ENABLED',
  'phy=phy1',
  'freq=2437',
  'num_sta_non_erp=0',
  'num_sta_no_short_slot_time=0',
  'num_sta_no_short_preamble=0',
  'olbc=0',
  'num_sta_ht_no_gf=0',
  'num_sta_no_ht=1',
  'num_sta_ht_20_mhz=0',
  'num_sta_ht40_intolerant=0',
  'olbc_ht=0',
  'ht_op_mode=0x0',
  'cac_time_seconds=0',
  'cac_time_left_seconds=N/A',
  'channel=6',
  'edmg_enable=0',
  'edmg_channel=0',
  'secondary_channel=0',
  'ieee80211n=0',
  'ieee80211ac=0',
  'ieee80211ax=0',
  'beacon_int=100',
  'dtim_period=2',
  'supported_rates=02 04 0b 16 0c 12 18 24 30 48 60 6c',
  'max_txpower=20',
  'bss[0]=wlan1',
  'bssid[0]=02:00:00:00:01:00',
  'ssid[0]=rig-hwsim',
  'num_sta[0]=1',
  '',
].join('\n');

describe('hostapd_cli status', () => {
  it('hostapd 2.10 on channel 6: state, channel, frequency, the first BSS (BSSID upper-cased)', () => {
    expect(parseHostapdStatus(STATUS_2_10)).toEqual({
      state: 'ENABLED',
      channel: 6,
      freqMhz: 2437,
      iface: 'wlan1',
      bssid: '02:00:00:00:01:00',
      ssid: 'rig-hwsim',
      numSta: 1,
    });
  });

  it('an interface still coming up (state=COUNTRY_UPDATE, no BSS lines yet) parses, without a BSSID', () => {
    const st = parseHostapdStatus('state=COUNTRY_UPDATE\nphy=phy0\nfreq=0\nchannel=0\n');
    expect(st.state).toBe('COUNTRY_UPDATE');
    expect(st.bssid).toBeNull();
  });

  it('refuses what is not a status reply, naming the line', () => {
    expect(() => parseHostapdStatus('Failed to connect to hostapd - wpa_ctrl_open: No such file or directory\n')).toThrow(/not a name=value line: "Failed to connect/);
    expect(() => parseHostapdStatus('phy=phy0\n')).toThrow(/no state=/);
    expect(() => parseHostapdStatus('state=ENABLED\nbssid[0]=02:00:00:00:01\n')).toThrow(/not a MAC address/);
    expect(() => parseHostapdStatus('state=ENABLED\nchannel=six\n')).toThrow(/channel=six is not a number/);
  });
});

describe('hostapd_cli all_sta', () => {
  // Two STA-MIB blocks as hostapd_ctrl_iface_sta_mib() writes them: one associated and
  // authorized (WPA2 done), one only authenticated (no [ASSOC]).
  const ALL_STA = [
    '02:00:00:00:02:00',
    'flags=[AUTH][ASSOC][AUTHORIZED][SHORT_PREAMBLE][WMM]',
    'aid=1',
    'capability=0x421',
    'listen_interval=5',
    'supported_rates=82 84 8b 96 0c 12 18 24 30 48 60 6c',
    'timeout_next=NULLFUNC POLL',
    'dot11RSNAStatsSTAAddress=02:00:00:00:02:00',
    'dot11RSNAStatsVersion=1',
    'dot11RSNAStatsSelectedPairwiseCipher=00-0f-ac-4',
    'dot11RSNAStatsTKIPLocalMICFailures=0',
    'dot11RSNAStatsTKIPRemoteMICFailures=0',
    'wpa=2',
    'AKMSuiteSelector=00-0f-ac-2',
    'hostapdWPAPTKState=11',
    'hostapdWPAPTKGroupState=0',
    'rx_packets=41',
    'tx_packets=36',
    'rx_bytes=4012',
    'tx_bytes=3978',
    'inactive_msec=120',
    'signal=-30',
    'rx_rate_info=540',
    'tx_rate_info=540',
    'connected_time=12',
    '02:00:00:00:03:00',
    'flags=[AUTH]',
    'aid=0',
    'capability=0x0',
    'listen_interval=0',
    'supported_rates=',
    'timeout_next=NULLFUNC POLL',
    '',
  ].join('\n');

  it('reads each block: address (upper case), flags, aid, connected time; lists only the associated', () => {
    const st = parseHostapdAllSta(ALL_STA);
    expect(st).toEqual([
      { mac: '02:00:00:00:02:00', flags: ['AUTH', 'ASSOC', 'AUTHORIZED', 'SHORT_PREAMBLE', 'WMM'], aid: 1, connectedS: 12 },
      { mac: '02:00:00:00:03:00', flags: ['AUTH'], aid: 0, connectedS: null },
    ]);
    expect(associatedStations(st)).toEqual(['02:00:00:00:02:00']);
  });

  it('no stations: empty output', () => {
    expect(parseHostapdAllSta('')).toEqual([]);
  });

  it('refuses a key before any address and unreadable flags', () => {
    expect(() => parseHostapdAllSta('flags=[AUTH]\n')).toThrow(/before any station address/);
    expect(() => parseHostapdAllSta('02:00:00:00:02:00\nflags=AUTH ASSOC\n')).toThrow(/unreadable flags/);
    expect(() => parseHostapdAllSta('Failed to connect to hostapd\n')).toThrow(/neither a station address nor name=value/);
  });
});

describe('one-word replies and iw info', () => {
  it('OK, FAIL, and anything else refused', () => {
    expect(parseHostapdCliOk('OK\n')).toBe(true);
    expect(parseHostapdCliOk('FAIL\n')).toBe(false);
    expect(() => parseHostapdCliOk('UNKNOWN COMMAND\n')).toThrow(/expected OK or FAIL, got "UNKNOWN COMMAND"/);
  });

  it('`iw dev wlan1 info`: txpower %d.%.2d dBm', () => {
    const info = ['Interface wlan1', '\tifindex 4', '\twdev 0x100000001', '\taddr 02:00:00:00:01:00', '\tssid rig-hwsim', '\ttype AP', '\twiphy 1', '\tchannel 6 (2437 MHz), width: 20 MHz (no HT), center1: 2437 MHz', '\ttxpower 7.00 dBm', ''].join('\n');
    expect(parseIwInfoTxPower(info)).toBe(7);
    expect(parseIwInfoTxPower('Interface wlan1\n\tifindex 4\n\ttype AP\n')).toBeNull();
    expect(() => parseIwInfoTxPower('command failed: No such device (-19)\n')).toThrow(/not iw info output/);
  });
});

describe('what the nl80211 AP writes', () => {
  it('hostapd.conf: open on channel 1, hw_mode g, nl80211, the control socket, BSS transition on, the bridge', () => {
    expect(hostapdNl80211Conf({ iface: 'wlan0', bridge: 'br0', essid: 'rig lab', channel: 1, psk: null })).toBe(
      'interface=wlan0\nbridge=br0\ndriver=nl80211\nctrl_interface=/var/run/hostapd\nssid=rig lab\nhw_mode=g\nchannel=1\nbss_transition=1\n',
    );
  });

  it('hostapd.conf: WPA2-PSK (RSN, CCMP) on a 5 GHz channel, no bridge line without one', () => {
    const conf = hostapdNl80211Conf({ iface: 'wlan1', essid: 'x', channel: 36, psk: 'correct horse' });
    expect(conf).toContain('hw_mode=a\nchannel=36\n');
    expect(conf).toContain('wpa=2\nwpa_key_mgmt=WPA-PSK\nrsn_pairwise=CCMP\nwpa_passphrase=correct horse\n');
    expect(conf).not.toContain('bridge=');
    expect(() => hostapdNl80211Conf({ iface: 'wlan1', essid: 'x', channel: 36, psk: 'short' })).toThrow(/8\.\.63 printable ASCII/);
  });

  it('BSS_TM_REQ: the station, one preferred candidate as a Neighbor Report (operating class, channel, PHY type), disassociation imminent', () => {
    expect(bssTmRequestArgs('02:00:00:00:02:00', { bssid: '02:00:00:00:01:00', channel: 6 })).toEqual([
      '02:00:00:00:02:00',
      'neighbor=02:00:00:00:01:00,0x0000,81,6,6',
      'pref=1',
      'disassoc_imminent=1',
    ]);
    expect(bssTmRequestArgs('AA:BB:CC:DD:EE:FF', { bssid: 'A0:B0:C0:D0:E0:F0', channel: 149 })[1]).toBe('neighbor=a0:b0:c0:d0:e0:f0,0x0000,124,149,4');
    expect([1, 13, 14, 36, 64, 100, 165].map(operatingClass)).toEqual([81, 81, 82, 115, 118, 121, 125]);
    expect(() => operatingClass(15)).toThrow(/no 20 MHz operating class/);
  });
});
