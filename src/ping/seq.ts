/**
 * ping's ICMP sequence number is 16 bits: after 65535 comes 0 (iputils and busybox
 * alike). The rig counts on (65536, 65537, ...): a wrapped number is mapped to the
 * unwrapped value nearest to a reference, the highest unwrapped seq seen so far.
 * One function for every reader (the live analyzer, the report's ping.log reader,
 * the stream's cadence check), so they cannot disagree.
 */
export const SEQ_MODULUS = 65536;
const SEQ_HALF = SEQ_MODULUS / 2;

/**
 * The unwrapped seq for a raw 16-bit `raw`, given the highest unwrapped seq seen so far
 * (`reference`, -1 when none): the value in raw's residue class nearest the reference,
 * never below 0. Late replies from before a wrap stay before it.
 */
export function unwrapSeq(raw: number, reference: number): number {
  if (reference < 0) return raw;
  let seq = reference - (reference % SEQ_MODULUS) + raw;
  if (seq < reference - SEQ_HALF) seq += SEQ_MODULUS;
  else if (seq > reference + SEQ_HALF && seq >= SEQ_MODULUS) seq -= SEQ_MODULUS;
  return seq;
}
