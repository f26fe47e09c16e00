/**
 * The pieces outages are made of, and how they merge (docs/roam-cycle.md, "Lost,
 * late, outage"): runs of lost seqs and time gaps between replies, each a seq range
 * with the replies that bound it; pieces that share a seq are one outage, bounded by
 * the earliest "before" and the latest "after" of its pieces.
 */

export interface ReplyAt {
  seq: number;
  atMs: number;
}

/** Two consecutive first replies (in arrival order) too far apart. */
export interface TimeGap {
  prev: ReplyAt;
  next: ReplyAt;
}

/** A piece of an outage, or a merged outage. */
export interface Span {
  first: number;
  last: number;
  before: ReplyAt | undefined;
  after: ReplyAt | undefined;
}

/**
 * Seq range of a time gap between replies P (prev) and N (next):
 * - seqs strictly between them, if any (they were lost, or answered late);
 * - else N itself: the seq whose reply ended the gap. That is the ENOBUFS case:
 *   P = 40, N = 41, seq 41 was retried for a second before it left.
 * - (N below P, a reply overtaken by a later one: N itself.)
 */
export function gapSpan(g: TimeGap): Span {
  const p = g.prev.seq;
  const n = g.next.seq;
  const first = n > p + 1 ? p + 1 : n;
  const last = n > p + 1 ? n - 1 : n;
  return { first, last, before: g.prev, after: g.next };
}

/** Sort pieces and merge those that share a seq. */
export function mergeSpans(spans: Span[]): Span[] {
  spans.sort((a, b) => a.first - b.first || a.last - b.last);
  const merged: Span[] = [];
  for (const sp of spans) {
    const cur = merged[merged.length - 1];
    if (cur && sp.first <= cur.last) {
      cur.last = Math.max(cur.last, sp.last);
      cur.before = earlier(cur.before, sp.before);
      cur.after = later(cur.after, sp.after);
    } else {
      merged.push({ ...sp });
    }
  }
  return merged;
}

/** Bound of a merged outage: a missing bound on any piece makes the whole bound unknown. */
export function earlier(a: ReplyAt | undefined, b: ReplyAt | undefined): ReplyAt | undefined {
  if (!a || !b) return undefined;
  return b.atMs < a.atMs ? b : a;
}

export function later(a: ReplyAt | undefined, b: ReplyAt | undefined): ReplyAt | undefined {
  if (!a || !b) return undefined;
  return b.atMs > a.atMs ? b : a;
}

/** An outage's duration: after - before, rounded to 1 us (epoch ms in a double carry ~0.0002 ms of noise). */
export function spanDurationMs(sp: Span): number | null {
  return sp.before && sp.after ? Math.round((sp.after.atMs - sp.before.atMs) * 1000) / 1000 : null;
}
