/**
 * The report page's explicit state, created once by the entry point
 * (report.ts) and passed to every part that needs it: the embedded data and
 * what is derived from it (rows, markers, variant lookups),
 * the roam currently chosen, and the interactive parts (timeline, detail
 * panel, roam table) through which choosing a roam shows it everywhere.
 */
import type { ReportData, VariantView } from '../data.ts';
import { roamMarkers, type RoamMarker } from './markers.ts';
import { decodeTimes } from './page-data.ts';
import { buildRows, type Row } from './rows.ts';

/** The zoomable timeline, once drawn. Times in epoch seconds. */
export interface TimelineControl {
  zoom(min: number, max: number): void;
  reset(): void;
  setSelected(r: Row | null): void;
  range(): [number, number];
}

/** The panel under the timeline that shows one roam's details. */
export interface DetailPanel {
  el: HTMLElement;
  show(r: Row): void;
}

/** The sortable, filterable, paged roam table. */
export interface RoamTableControl {
  el: HTMLElement;
  /** Re-render, marking the chosen roam; with `reveal`, turn to its page (clearing filters that hide it). */
  showRow(r: Row, reveal: boolean): void;
}

export interface ReportView {
  readonly data: ReportData;
  /** Every variant shown, this run's and the compared run's, by key. */
  readonly variantByKey: ReadonlyMap<string, VariantView>;
  /** This run's variants. */
  readonly thisVariants: readonly VariantView[];
  /** The colour of one of this run's variants, by name ('#666' when unknown). */
  readonly colorOf: (name: string) => string;
  /** One per roam, in the data's order. */
  readonly rows: Row[];
  /** Roams by marker time, for drawing only what is in view. */
  readonly markers: RoamMarker[];
  /** Lost echoes' send times, epoch s, sorted. */
  readonly lostS: number[];
  /** The roam chosen (table, timeline, ‹ ›, #roam=N), if any. */
  selected: Row | null;
  /** Set once the timeline is drawn (on the first animation frame). */
  timeline: TimelineControl | null;
  detail: DetailPanel | null;
  table: RoamTableControl | null;
}

export function createReportView(data: ReportData): ReportView {
  const thisVariants = data.variants.filter((v) => v.run === 'this');
  const rows = buildRows(data);
  return {
    data,
    variantByKey: new Map(data.variants.map((v) => [v.key, v])),
    thisVariants,
    colorOf: (name) => thisVariants.find((v) => v.name === name)?.color ?? '#666',
    rows,
    markers: roamMarkers(rows),
    lostS: decodeTimes(data.timeline.lost.t, data.timeline.t0),
    selected: null,
    timeline: null,
    detail: null,
    table: null,
  };
}
