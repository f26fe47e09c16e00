/**
 * What can go wrong on a real bench, rehearsed on the virtual rig on demand (the
 * inventory's `virtual.faults`, `rig lab up --fault`). The vocabulary lives with the
 * inventory; the virtual rig implements each kind (rig/faults.ts).
 */
export const FAULT_KINDS = [
  'drop-ssh', // a device's SSH connections are cut (dropbear dies, a switch port flaps)
  'reboot', // a device reboots: SSH refused for a while, runtime state lost
  'attenuator-timeout', // an attenuator stops answering
  'attenuator-garbage', // an attenuator answers nonsense
  'kill-ping', // the client's ping is killed (SIGKILL, OOM killer)
  'busybox-ping-exit', // busybox ping exits on a failed sendto
  'never-roam', // the client does not roam (roam check off) for one cycle
  'clock-jump', // a board's wall clock jumps (ntpdate, RTC reset)
  'arp-stall', // the station's ARP entry is lost at its next join: pings wait for the ARP retry a second later
  'hang', // a board's kernel wedges: SSH accepts, commands never return (until power-cycled)
  'oops', // a kernel oops in the board's wireless driver (ath_pci) on its console, then it hangs
  'pdu-stuck', // a device's power switch answers but does not switch (a welded relay)
  'sshd-dead', // a board's SSH server dies (its connections cut, new ones refused) while the kernel lives on, until it reboots
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
