/**
 * The virtual boards' hostapd_cli and wpa_cli options: what hostap's getopt takes
 * (`-i IFACE`, `-iIFACE`, `-p DIR`, `-pDIR`, the command after the options), and an option
 * the boards do not take refused (each tool then prints its own usage).
 */
import { describe, expect, it } from 'vitest';
import { ctrlCliArgs } from '../../rig/device/ctrl-cli-args.ts';

describe('hostapd_cli / wpa_cli options', () => {
  it('takes -i and -p joined or apart, the defaults otherwise, and the command with its arguments', () => {
    expect(ctrlCliArgs(['-i', 'wlan0', '-p', '/run/x', 'bss_tm_req', '02:00:00:00:00:01', 'pref=1'], '/var/run/hostapd')).toEqual({ iface: 'wlan0', dir: '/run/x', command: ['bss_tm_req', '02:00:00:00:00:01', 'pref=1'] });
    expect(ctrlCliArgs(['-iwlan1', '-p/tmp/c', 'status'], '/var/run/wpa_supplicant')).toEqual({ iface: 'wlan1', dir: '/tmp/c', command: ['status'] });
    expect(ctrlCliArgs(['status'], '/var/run/wpa_supplicant')).toEqual({ iface: null, dir: '/var/run/wpa_supplicant', command: ['status'] });
    expect(ctrlCliArgs([], '/d')).toEqual({ iface: null, dir: '/d', command: [] });
  });

  it('options end at the first word that is not one: a later dash word is the command\'s', () => {
    expect(ctrlCliArgs(['-i', 'wlan0', 'roam', '-x'], '/d')?.command).toEqual(['roam', '-x']);
  });

  it('refuses an option the boards do not take, and a lone -i takes an empty name', () => {
    expect(ctrlCliArgs(['-B', 'status'], '/d')).toBeNull();
    expect(ctrlCliArgs(['-a', '/bin/act'], '/d')).toBeNull();
    expect(ctrlCliArgs(['-i'], '/d')).toEqual({ iface: '', dir: '/d', command: [] });
  });
});
