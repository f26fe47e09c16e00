/**
 * What the merged report page is given (and merged.json holds, byte for byte the
 * same data): several run folders, from several benches and nights, one row per
 * run and variant, built by merge.ts from each run's records. Every string is data
 * (the page puts it in the DOM as text).
 */

/** A figure of a run: its value, or null with the reason it is unknown (never a 0 standing in for it). */
export interface Figure {
  value: number | null;
  /** Why the value is unknown; null when it is known. */
  why: string | null;
}

/** The firmware one device ran for a variant, as the run's summary recorded it. */
export interface DeviceFirmware {
  device: string;
  variant: string;
  banner: string | null;
}

/** One row of the page's table: one variant of one run (or the run alone, when no variant could be read). */
export interface MergedRow {
  /** Index into `MergedData.runs`. */
  run: number;
  bench: string;
  /** The run's start date in UTC, YYYY-MM-DD; null when the run recorded no start time. */
  night: string | null;
  runId: string;
  startedAt: string;
  /** null: the run's files name no variant at all (see the run's problems). */
  variant: string | null;
  /** What each device ran for this variant; null when the run did not record it (`firmwareWhy`). */
  firmware: DeviceFirmware[] | null;
  firmwareWhy: string | null;
  roams: Figure;
  valid: Figure;
  /** Lost pings per valid roam. */
  lostMedian: Figure;
  lostMax: Figure;
  /** Transmit blackout after the association, median over the valid roams, ms. */
  afterMedian: Figure;
  /**
   * The split's resolution for that median, ms: the largest of the roams' own
   * (each roam's figure is within its resolution of the truth, so the median is
   * within the largest of them).
   */
  afterResolution: Figure;
  /** passed / failed (the variant against its thresholds), not judged, or the run's own status when it did not finish (incomplete, interrupted, bench-failure, unreadable). */
  verdict: string;
  /** Each threshold the variant failed, in words. */
  failures: string[];
  /** Where the figures come from. */
  source: 'summary.json' | 'roams.jsonl' | null;
  /** The run's own report, relative to the merged report's folder; null when the run folder has none. */
  href: string | null;
}

export interface MergedRun {
  id: string;
  bench: string;
  night: string | null;
  startedAt: string;
  endedAt: string;
  /** The run's verdict as its summary says (or incomplete / unreadable). */
  verdict: string;
  /** The run folder, relative to the merged report's folder. */
  path: string;
  /** The same run found at other places among the inputs (counted once), relative paths. */
  alsoAt: string[];
  href: string | null;
  variants: string[];
  benchFailure: string | null;
  /** What is wrong with the run's files: each reason a figure may be missing or doubtful. */
  problems: string[];
}

export interface MergedData {
  schema: 1;
  generator: string;
  /** Sorted by night, bench, start time and run id. */
  runs: MergedRun[];
  /** Sorted like the runs; within a run, its variants in its own order. */
  rows: MergedRow[];
  benches: string[];
  nights: string[];
  /** One colour per variant name. */
  colors: [string, string][];
  /** The trend's lines: one per bench and variant. */
  series: { label: string; bench: string; variant: string; color: string }[];
}
