/**
 * A small reader of classic pcap files (what `tcpdump -w` writes): the packets' capture
 * times and, for ICMP echo requests and replies over IPv4, their identifier, sequence
 * number and the send time iputils ping writes at the start of the payload (a struct
 * timeval: 64-bit seconds, 64-bit microseconds, little-endian on x86-64). Link types:
 * Ethernet (1), Linux cooked v1 (113, `tcpdump -i any`) and v2 (276).
 * Formats: https://www.tcpdump.org/manpages/pcap-savefile.5.html, pcap-linktype.7.
 */
export interface IcmpEcho {
  /** Capture time, seconds since the epoch (the capturing host's clock). */
  atS: number;
  kind: 'request' | 'reply';
  id: number;
  seq: number;
  /** The sender's timestamp in the payload (ping's send time), seconds; null when the payload is too short. */
  sentS: number | null;
}

const LINK_ETHERNET = 1;
const LINK_LINUX_SLL = 113;
const LINK_LINUX_SLL2 = 276;

export function readIcmpEchoes(file: Buffer): IcmpEcho[] {
  if (file.length < 24) throw new Error(`pcap: ${file.length} bytes, shorter than a pcap header`);
  const magicLe = file.readUInt32LE(0);
  let le: boolean;
  let nanos: boolean;
  if (magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d) {
    le = true;
    nanos = magicLe === 0xa1b23c4d;
  } else {
    const magicBe = file.readUInt32BE(0);
    if (magicBe !== 0xa1b2c3d4 && magicBe !== 0xa1b23c4d) throw new Error(`pcap: unknown magic 0x${magicLe.toString(16)}`);
    le = false;
    nanos = magicBe === 0xa1b23c4d;
  }
  const u32 = (off: number): number => (le ? file.readUInt32LE(off) : file.readUInt32BE(off));
  const linkType = u32(20) & 0x0fffffff;
  const out: IcmpEcho[] = [];
  for (let off = 24; off + 16 <= file.length; ) {
    const atS = u32(off) + u32(off + 4) / (nanos ? 1e9 : 1e6);
    const incl = u32(off + 8);
    const pkt = file.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    if (pkt.length < incl) break; // a capture cut short: the last record is partial
    let ethertype: number;
    let ip: number;
    if (linkType === LINK_ETHERNET) {
      ethertype = pkt.readUInt16BE(12);
      ip = 14;
    } else if (linkType === LINK_LINUX_SLL) {
      ethertype = pkt.readUInt16BE(14);
      ip = 16;
    } else if (linkType === LINK_LINUX_SLL2) {
      ethertype = pkt.readUInt16BE(0);
      ip = 20;
    } else {
      throw new Error(`pcap: link type ${linkType} not read here`);
    }
    if (ethertype !== 0x0800 || pkt.length < ip + 20) continue;
    const ihl = (pkt[ip] & 0x0f) * 4;
    if (pkt[ip + 9] !== 1) continue; // not ICMP
    const icmp = ip + ihl;
    if (pkt.length < icmp + 8) continue;
    const type = pkt[icmp];
    if (type !== 8 && type !== 0) continue;
    const payload = icmp + 8;
    const sentS = pkt.length >= payload + 16 ? Number(pkt.readBigUInt64LE(payload)) + Number(pkt.readBigUInt64LE(payload + 8)) / 1e6 : null;
    out.push({ atS, kind: type === 8 ? 'request' : 'reply', id: pkt.readUInt16BE(icmp + 4), seq: pkt.readUInt16BE(icmp + 6), sentS });
  }
  return out;
}
