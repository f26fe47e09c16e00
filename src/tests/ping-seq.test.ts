import { describe, expect, it } from 'vitest';
import { SEQ_MODULUS, unwrapSeq } from '../ping/seq.ts';

describe('unwrapSeq: the one place ping sequence numbers are unwrapped', () => {
  it('keeps counting past 65535', () => {
    expect(unwrapSeq(0, 65535)).toBe(65536);
    expect(unwrapSeq(3, 65535)).toBe(65539);
    expect(unwrapSeq(0, 2 * SEQ_MODULUS - 1)).toBe(2 * SEQ_MODULUS);
  });
  it('a late reply from before the wrap stays before it', () => {
    expect(unwrapSeq(65530, 65540)).toBe(65530);
    expect(unwrapSeq(65535, 65536)).toBe(65535);
  });
  it('no reference: the raw number; never below 0', () => {
    expect(unwrapSeq(17, -1)).toBe(17);
    expect(unwrapSeq(65535, 10)).toBe(65535);
    expect(unwrapSeq(40000, 0)).toBe(40000);
  });
  it('within half the range of the reference, nothing moves', () => {
    for (const ref of [0, 100, 30000, 65535, 70000, 131071]) {
      for (const d of [-1000, -1, 0, 1, 1000]) {
        const want = ref + d;
        if (want < 0) continue;
        expect(unwrapSeq(want % SEQ_MODULUS, ref)).toBe(want);
      }
    }
  });
});
