/**
 * The marker scanner of shell sessions (src/controllers/ssh/marker-scanner.ts): output
 * with marker lines anywhere (mid-line, at chunk edges, a nonce cut in two by a chunk
 * boundary) comes back as the same bytes without the markers, and the markers' tags in
 * order, however the stream is cut into chunks. The expectation is built from the
 * generated pieces, not from the scanner.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarkerScanner } from '../controllers/ssh/marker-scanner.ts';

const NONCE = '0123456789abcdef0123456789abcdef';

function scan(chunks: Buffer[]): { data: Buffer; tags: string[] } {
  const data: Buffer[] = [];
  const tags: string[] = [];
  const s = new MarkerScanner(NONCE, (d) => data.push(Buffer.from(d)), (t) => tags.push(t));
  for (const c of chunks) s.push(c);
  return { data: Buffer.concat(data), tags };
}

/** Cut a buffer at the given fractions. */
function cut(all: Buffer, at: number[]): Buffer[] {
  const points = [...new Set(at.map((f) => Math.floor(f * all.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(all.subarray(prev, p));
    prev = p;
  }
  out.push(all.subarray(prev));
  return out;
}

describe('MarkerScanner', () => {
  it('returns the bytes without the markers and the tags in order, however the stream is cut', () => {
    // Output bytes include the nonce's own first characters, newlines and any byte value.
    const bytes = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));
    const near = fc.constantFrom(Buffer.from(NONCE.slice(0, 5)), Buffer.from(NONCE.slice(0, 31)), Buffer.from('0'));
    const piece = fc.oneof(bytes, near);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(piece, { maxLength: 3 }), fc.stringMatching(/^[a-z]\d{1,4}(:[ -~]{0,10})?$/)), { maxLength: 6 }),
        fc.array(piece, { maxLength: 3 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
        (segments, tail, cuts) => {
          const expectedData = Buffer.concat([...segments.flatMap(([p]) => p), ...tail]);
          const stream = Buffer.concat([...segments.flatMap(([p, tag]) => [...p, Buffer.from(`${NONCE}${tag}\n`)]), ...tail]);
          const { data, tags } = scan(cut(stream, cuts));
          expect(tags).toEqual(segments.map(([, t]) => t));
          // Bytes held back as a possible nonce start are released once the stream goes on; at its very end they may still be held.
          expect(expectedData.subarray(0, data.length).equals(data)).toBe(true);
          expect(expectedData.length - data.length).toBeLessThan(NONCE.length);
        },
      ),
      { numRuns: 500, seed: 13 },
    );
  });

  it('a marker cut anywhere, even inside the nonce or before its newline, is found once', () => {
    const stream = Buffer.from(`out without newline${NONCE}s7:0\nmore${NONCE}e7\n`);
    for (let i = 1; i < stream.length; i++) {
      const { data, tags } = scan([stream.subarray(0, i), stream.subarray(i)]);
      expect(tags).toEqual(['s7:0', 'e7']);
      expect(data.toString()).toBe('out without newlinemore');
    }
  });
});
