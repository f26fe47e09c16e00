/**
 * The console's kernel event recogniser on real oops, panic and watchdog texts of
 * 2.6-era MIPS and x86 boards (fixtures/console/README.md says where each is from).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeKernelEvent, findKernelEvents } from '../controllers/console/kernel-events.ts';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures/console', name), 'utf8');

describe('kernel events in a console capture', () => {
  it('a MIPS 2.6.15 oops (AirOS, ath_pci loaded) and the panic after it', () => {
    const text = fixture('mips-airos-2.6.15-oops.txt');
    const events = findKernelEvents(text);
    expect(events.map((e) => e.kind)).toEqual(['oops', 'panic']);
    const [oops, panic] = events;
    expect(oops.title).toBe('Unable to handle kernel paging request at virtual address 00000090');
    expect(oops.where).toBe('__ip_route_output_key+0x28c/0x105c');
    expect(oops.module).toBeNull();
    // The block: from the first line to the Code: line, not the line before nor the panic.
    expect(oops.text.split('\n')[0]).toMatch(/^CPU 0 Unable to handle kernel paging request/);
    expect(oops.text).toMatch(/Call Trace:\n \[<80151aec>\] ip_route_output_flow/);
    expect(oops.text.split('\n').at(-1)).toMatch(/^Code: /);
    expect(oops.text).not.toMatch(/ag7240_ring_alloc|Kernel panic/);
    expect(text.slice(oops.offset)).toMatch(/^CPU 0 Unable/);
    expect(panic.title).toBe('Kernel panic - not syncing: Fatal exception in interrupt');
    expect(describeKernelEvent(panic)).toBe('kernel panic: Fatal exception in interrupt');
  });

  it('a MIPS oops with printk times: the faulting function and its module', () => {
    const events = findKernelEvents(fixture('mips-mt76-4.14-oops.txt'));
    expect(events).toHaveLength(1);
    const [e] = events;
    expect(e.kind).toBe('oops');
    expect(e.where).toBe('mt76x02_add_interface+0x6c/0x88');
    expect(e.module).toBe('mt76x02_lib');
    expect(e.text).toMatch(/^\[ {3}36\.519177\] CPU 1 Unable/);
    expect(e.text).not.toMatch(/br-lan/);
    expect(describeKernelEvent(e)).toBe('kernel oops: Unable to handle kernel paging request at virtual address 00000018 at mt76x02_add_interface+0x6c/0x88 [mt76x02_lib]');
  });

  it('an x86 2.6 NULL pointer oops: EIP is at ... [module]; the shell prompt after it is not part of it', () => {
    const events = findKernelEvents(fixture('x86-2.6-null-oops.txt'));
    expect(events).toHaveLength(1);
    expect(events[0].title).toBe('Unable to handle kernel NULL pointer dereference at virtual address 00000000');
    expect(events[0].where).toBe('faulty_write+0x4/0x10');
    expect(events[0].module).toBe('faulty');
    expect(events[0].text).toMatch(/Oops: 0002 \[#1\]/);
    expect(events[0].text).not.toMatch(/still here/);
  });

  it('an NMI watchdog lockup is a watchdog event with where it spun', () => {
    const events = findKernelEvents(fixture('x86-nmi-watchdog.txt'));
    expect(events.map((e) => e.kind)).toEqual(['watchdog']);
    expect(events[0].where).toBe('_spin_lock_irqsave+0x24/0xa0');
  });

  it('a watchdog reset line and a soft lockup are watchdog events; CRLF from a console server is fine', () => {
    const text = 'U-Boot 1.1.4\r\nwatchdog: hardware watchdog expired, board reset\r\n\r\nBUG: soft lockup detected on CPU#0!\r\n';
    const events = findKernelEvents(text);
    expect(events.map((e) => e.kind)).toEqual(['watchdog', 'watchdog']);
    expect(text.slice(events[0].offset)).toMatch(/^watchdog: hardware/);
  });

  it("an oops printed after a login prompt on the same line starts where the kernel's text starts", () => {
    const text = `client login: ${fixture('mips-airos-2.6.15-oops.txt').split('\n').slice(1).join('\n')}`;
    const [oops] = findKernelEvents(text);
    expect(oops.kind).toBe('oops');
    expect(oops.text.startsWith('CPU 0 Unable to handle kernel paging request')).toBe(true);
    expect(text.slice(oops.offset, oops.offset + 5)).toBe('CPU 0');
  });

  it('a clean boot log has none', () => {
    expect(findKernelEvents(fixture('boot-clean.txt'))).toEqual([]);
    expect(findKernelEvents('')).toEqual([]);
  });
});
