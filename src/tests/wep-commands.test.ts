/**
 * WEP on the command line: the madwifi VAP's iwconfig sequence for a key, a failing or
 * timed-out iwconfig reported without the key (the run helper redacts the command and
 * the board's own words), the virtual iwconfig's reading of `key` directives (its own
 * parser) and the rig's exec log masking the key.
 */
import { describe, expect, it } from 'vitest';
import { MadwifiVap } from '../controllers/madwifi/vap.ts';
import type { DeviceShell, ExecOptions, ExecResult } from '../controllers/ssh/types.ts';
import { parseWepKey, type WepKey } from '../controllers/wep-key.ts';
import { BenchError } from '../errors.ts';
import { extractIwconfigKeys } from '../../rig/device/wireless-tools.ts';
import { maskWepKeys } from '../../rig/ssh/exec-request.ts';

const KEY = parseWepKey('a1b2c3d4e5f60718293a4b5c6d') as WepKey;

/** A board that records what it is asked and answers as `answer` says. */
function board(answer: (command: string) => Partial<ExecResult>): DeviceShell & { commands: string[]; options: ExecOptions[] } {
  const commands: string[] = [];
  const options: ExecOptions[] = [];
  return {
    name: 'ap1',
    commands,
    options,
    exec: async (command, opts) => {
      commands.push(command);
      options.push(opts ?? {});
      return { command, exitCode: 0, stdout: '', stderr: '', durationMs: 1, timedOut: false, ...answer(command) };
    },
    stream: () => {
      throw new Error('not used');
    },
    close: async () => {},
  };
}

describe('madwifi WEP commands', () => {
  it('key into the slot, the slot made the transmit key, the mode; each marked secret', async () => {
    const b = board(() => ({}));
    await new MadwifiVap(b, { iface: 'ath0', radio: 'wifi0', commandTimeoutMs: 1000 }, 'ap').setWep({ key: KEY, index: 2, keyMode: 'restricted' });
    expect(b.commands).toEqual([`iwconfig ath0 key '[2]' a1b2c3d4e5f60718293a4b5c6d`, `iwconfig ath0 key '[2]'`, 'iwconfig ath0 key restricted']);
    expect(b.options.every((o) => o.secrets?.includes('a1b2c3d4e5f60718293a4b5c6d'))).toBe(true);
  });

  it('a failing or timed-out iwconfig is reported without the key, even when the board repeats it', async () => {
    const vap = (b: DeviceShell) => new MadwifiVap(b, { iface: 'ath0', radio: 'wifi0', commandTimeoutMs: 1000 }, 'ap');
    const failing = board((c) => ({ exitCode: 255, stderr: `Error for wireless request "Set Encode" (8B2A) :\n    invalid argument "${c.split(' ').at(-1)}".` }));
    const err = await vap(failing).setWep({ key: KEY, index: 1, keyMode: 'open' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BenchError);
    expect((err as Error).message).toMatch(/^ap1: `iwconfig ath0 key '\[1\]' <secret>` failed \(exit 255\): .*invalid argument "<secret>"/);
    expect((err as Error).message).not.toContain('a1b2c3');
    const hung = board(() => ({ exitCode: null, timedOut: true }));
    const t = await vap(hung).setWep({ key: KEY, index: 1, keyMode: 'open' }).catch((e: unknown) => e);
    expect((t as Error).message).toMatch(/<secret>` timed out/);
    expect((t as Error).message).not.toContain('a1b2c3');
  });
});

describe("the virtual iwconfig's key directives", () => {
  it('reads slots, hex with separators, s: text, modes, and the rest of the line', () => {
    expect(extractIwconfigKeys(['key', '[2]', '01-23-45-67-89', 'essid', 'rig-roam'])).toEqual({ rest: ['essid', 'rig-roam'], keys: [{ op: 'set', index: 2, hex: '0123456789' }] });
    expect(extractIwconfigKeys(['key', 's:ABCDE', '[3]'])).toEqual({ rest: [], keys: [{ op: 'set', index: 3, hex: '4142434445' }] });
    expect(extractIwconfigKeys(['key', '[4]'])).toEqual({ rest: [], keys: [{ op: 'select', index: 4 }] });
    expect(extractIwconfigKeys(['key', 'restricted', 'key', 'off'])).toEqual({ rest: [], keys: [{ op: 'mode', mode: 'restricted' }, { op: 'off' }] });
  });

  it('refuses a key of the wrong length, an unknown slot and a non-key, without repeating the key', () => {
    expect(extractIwconfigKeys(['key', '0123456789ab'])).toMatch(/SET failed on device ath0 ; Invalid argument/);
    expect(extractIwconfigKeys(['key', '[5]', '0123456789'])).toMatch(/Invalid argument/);
    const msg = extractIwconfigKeys(['key', 'zz-secret-zz']) as string;
    expect(msg).toMatch(/unknown key argument/);
    expect(msg).not.toContain('secret');
    expect(extractIwconfigKeys(['key'])).toMatch(/too few arguments/);
  });

  it("the rig's exec log masks the key, whatever its quoting, and nothing else", () => {
    expect(maskWepKeys(`iwconfig ath0 key '[1]' a1b2c3d4e5`)).toBe(`iwconfig ath0 key '[1]' ****`);
    expect(maskWepKeys(`iwconfig ath0 key 's:Rig-W' '[2]' essid rig-roam`)).toBe(`iwconfig ath0 key **** '[2]' essid rig-roam`);
    expect(maskWepKeys('iwconfig ath0 key restricted')).toBe('iwconfig ath0 key restricted');
    expect(maskWepKeys('echo key abc')).toBe('echo key abc');
  });
});
