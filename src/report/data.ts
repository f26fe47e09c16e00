/**
 * What a report page is given: plain JSON, embedded in the page as
 * `<script type="application/json">`, read by `client/*.ts`. Built in Node by
 * model.ts; every string in it is data (the page puts it in the DOM with
 * textContent, never as markup).
 *
 * Large numeric series are columnar; time columns are delta-encoded integers
 * (ms) so that 10,000 roams stay a few megabytes.
 */
import type { Comparison } from './stats.ts';

export interface Dist {
  median: number | null;
  mean: number | null;
  p95: number | null;
  max: number | null;
}

export interface Thresholds {
  maxMedianLostPerRoam: number;
  maxLostPerRoam: number;
  maxInvalidFraction: number;
}

export interface RunMeta {
  id: string;
  bench: string;
  essid: string | null;
  /** What moved the client (`crossfade`, `station-command`, `bss-transition`, ...); older runs: crossfade. */
  trigger: string;
  security: string | null;
  startedAt: string;
  endedAt: string;
  rigVersion: string;
  inventory: string;
  inventoryDigest: string;
  virtual: boolean;
  timeScale: number;
  ping: { command: string; version: string; timestampSource: string } | null;
  attenuators: [string, string][];
  devices: { name: string; banner: string | null; variant: string | null }[] | null;
  roams: number;
  valid: number;
  invalid: number;
  lostOutsideCycles: number[];
  problems: string[];
  /** About the files themselves: a missing summary, a torn line. */
  warnings: string[];
  benchFailure: string | null;
  pingErrors: { count: number; first: { t: number; text: string }[] };
  compareWith: { id: string; bench: string; startedAt: string } | null;
}

export interface VerdictView {
  status: string;
  title: string;
  /** One line per variant: the figures its thresholds are judged on. */
  lines: { variant: string; text: string; passed: boolean | null }[];
  failures: { variant: string; text: string }[];
}

export interface VariantView {
  key: string;
  name: string;
  /** Name as shown: the variant, plus the run id for a variant of the compared run. */
  label: string;
  /** This run, or the run given with --compare. */
  run: 'this' | 'other';
  color: string;
  thresholds: Thresholds | null;
  failures: string[];
  roams: number;
  valid: number;
  invalid: number;
  invalidReasons: [string, number][];
}

export interface StatsRow {
  variantKey: string;
  direction: string;
  roams: number;
  valid: number;
  invalid: number;
  lost: Dist;
  outageMs: Dist;
  afterAssociationMs: Dist;
  beforeAssociationMs: Dist;
  /** Valid roams above the variant's maxLostPerRoam; null without a threshold. */
  overThreshold: number | null;
}

export interface HistogramView {
  binWidth: number;
  /** Bin starts (lost packets). */
  x: number[];
  series: { variantKey: string; counts: number[]; n: number }[];
}

export interface ComparisonView {
  /** "within this run" or "against run <id>". */
  scope: string;
  headline: Comparison;
  metrics: Comparison[];
}

/** Delta-encoded integer ms relative to `TimelineView.t0`. */
export type DeltaTimes = number[];

export interface TimelineView {
  /** Epoch ms of time 0 of every series and of the roam table's times. */
  t0: number;
  /** linear: thinned to ramp ends, draw straight lines between points (else steps). */
  att: { t: DeltaTimes; ap1: number[]; ap2: number[]; total: number; linear: boolean };
  signal: { ap: string; label: string; t: DeltaTimes; dbm: number[]; total: number }[];
  /** Ping replies at their send time: RTT in ms. */
  rtt: { t: DeltaTimes; ms: number[]; total: number };
  late: { t: DeltaTimes; ms: number[] };
  /** Lost echoes at their (interpolated) send time. */
  lost: { t: DeltaTimes; seq: number[] };
  /** Plain-words notes on what was thinned out to keep the file small. */
  notes: string[];
}

/** The per-roam table, one array per column (strings by index into `strings`, -1 = none). */
export interface RoamColumns {
  n: number;
  index: number[];
  variant: number[];
  direction: number[];
  from: number[];
  to: number[];
  /** ms relative to t0 (absolute, not delta); null when unknown. */
  tStart: (number | null)[];
  tLeave: (number | null)[];
  tJoin: (number | null)[];
  /** Send time of the window's last seq (recovery done). */
  tEnd: (number | null)[];
  att1: (number | null)[];
  att2: (number | null)[];
  sigBefore: (number | null)[];
  sigAfter: (number | null)[];
  lost: number[];
  lostSeqs: string[];
  late: number[];
  lateSeqs: string[];
  /** The longest late round trip (ms) and the late replies to pings sent after the join; null: not recorded (older runs). */
  lateMax?: (number | null)[];
  lateAfter?: (number | null)[];
  outage: (number | null)[];
  before: (number | null)[];
  after: (number | null)[];
  /** The split's resolution: the true blackout after association is within after plus or minus this, ms. */
  afterRes: (number | null)[];
  seqFrom: number[];
  seqTo: number[];
  src: number[];
  valid: number[];
  reason: number[];
  /** 1 when a valid roam lost more than its variant's maxLostPerRoam. */
  over: number[];
  /** Kernel oopses, panics, watchdogs the consoles showed (one text per roam: `device kind: title` and the console's text), -1 none. */
  kernel?: number[];
  /** What the recovery after the roam did (`client hung; client power-cycled`), -1 none. */
  recovery?: number[];
}

export interface ReportData {
  schema: 1;
  generator: string;
  run: RunMeta;
  verdict: VerdictView;
  variants: VariantView[];
  stats: StatsRow[];
  histogram: HistogramView;
  comparisons: ComparisonView[];
  timeline: TimelineView;
  roams: RoamColumns;
  strings: string[];
}

/** The reports/index.html page. */
export interface IndexData {
  schema: 1;
  generator: string;
  runs: {
    id: string;
    href: string;
    bench: string;
    startedAt: string;
    endedAt: string;
    verdict: string;
    roams: number;
    valid: number;
    invalid: number;
    variants: { name: string; median: number | null; mean: number | null; p95: number | null; max: number | null; valid: number; failures: number }[];
    problem: string | null;
  }[];
  /** One colour per variant name, stable across the page. */
  colors: [string, string][];
  /** The trend's lines: one per variant, per bench when the folder holds several benches. */
  series: { label: string; bench: string; variant: string; color: string }[];
}
