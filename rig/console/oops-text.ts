/**
 * The kernel oops a virtual board prints when the `oops` fault strikes: a NULL
 * dereference in madwifi's transmit path (ath_pci, called from wlan's output path) on a
 * 2.6.16 MIPS board, as arch/mips/kernel/traps.c lays it out (`CPU 0 Unable to handle
 * kernel paging request ...`, `Oops[#1]:`, registers, epc/ra with symbol+offset/length
 * [module], Modules linked in, Process, Stack, Call Trace, Code), then the panic that
 * follows an oops in interrupt context. Our own text (addresses made up).
 */

export function athOopsText(o: { process: string; pid: number; modules: string[] }): string[] {
  return [
    'CPU 0 Unable to handle kernel paging request at virtual address 0000000c, epc == c00a3f18, ra == c00a3ee4',
    'Oops[#1]:',
    'Cpu 0',
    '$ 0   : 00000000 1000fc00 00000000 81c3e2a0',
    '$ 4   : 81f0a800 81c3e2a0 00000002 00000000',
    '$ 8   : 00000001 00000000 00000000 81c3e2a0',
    '$12   : 00000000 00000000 00000000 00000000',
    '$16   : 81f0a800 81c3e2a0 00000000 81f0b380',
    '$20   : 00000001 c0139e70 00000000 00000000',
    '$24   : 00000000 80148d18',
    '$28   : 80284000 80285d90 00000000 c00a3ee4',
    'Hi    : 00000000',
    'Lo    : 00000000',
    'epc   : c00a3f18 ath_tx_start+0x3c8/0x1790 [ath_pci]     Not tainted',
    'ra    : c00a3ee4 ath_tx_start+0x394/0x1790 [ath_pci]',
    'Status: 1000fc03    KERNEL EXL IE',
    'Cause : 00800008',
    'BadVA : 0000000c',
    'PrId  : 00019064',
    `Modules linked in: ${o.modules.join(' ')}`,
    `Process ${o.process} (pid: ${o.pid}, threadinfo=80284000, task=80286638)`,
    'Stack : 81c3e2a0 00000000 81f0b380 c013bd44 81c96120 00000001 81f0a800 81c3e2a0',
    '        81f0a800 c00a53f0 00000000 81c3e2a0 81f0b380 80148d18 00000000 00000000',
    '        ...',
    'Call Trace:',
    ' [<c00a53f0>] ath_hardstart+0x2b0/0x4e4 [ath_pci]',
    ' [<80148d18>] dev_queue_xmit+0x2bc/0x2f8',
    ' [<c0139e70>] ieee80211_parent_queue_xmit+0x60/0x90 [wlan]',
    ' [<c013bd44>] ieee80211_hardstart+0x564/0x660 [wlan]',
    ' [<80148b7c>] dev_queue_xmit+0x120/0x2f8',
    ' [<8015f8e4>] ip_output+0x290/0x2f0',
    ' [<80161d18>] ip_push_pending_frames+0x34c/0x3ec',
    ' [<8017d7ec>] raw_sendmsg+0x5e8/0x6a8',
    'Code: 8c620010  10400011  00000000 <8c43000c> 00000000  1060000d  00000000  8e02004c  00000000',
    'Kernel panic - not syncing: Fatal exception in interrupt',
  ];
}
