/**
 * A benchmark module of `npm run bench` (bench/main.ts): it measures, and says what it
 * measured as rows of a table (each figure with its goal, if it has one) and notes.
 * A module registers with one line in bench/modules.ts.
 */
export interface BenchOptions {
  /**
   * The virtual boards' costs on (`virtual.boardCosts: {}`) where the issue asks for them:
   * the scale-1 roam cycle and the flash (on unless `--no-board-costs`).
   */
  boardCosts: boolean;
  /** Print progress lines. */
  log: (line: string) => void;
}

export interface BenchRow {
  /** What was measured. */
  figure: string;
  /** The measured value, with its unit, as measured (never rounded into a pass). */
  value: string;
  /** The goal in words, '' when none. */
  goal: string;
  /** Whether the goal was met; null when there is no goal or it could not be measured. */
  met: boolean | null;
}

export interface BenchSection {
  title: string;
  rows: BenchRow[];
  /** How it was measured, definitions, misses and their causes (Markdown lines). */
  notes: string[];
}

export interface BenchModule {
  readonly name: string;
  run(opts: BenchOptions): Promise<BenchSection>;
}
