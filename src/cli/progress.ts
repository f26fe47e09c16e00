/**
 * Roam progress on stderr (stdout is for --json): a bar on a TTY with the elapsed time
 * and an estimate of the rest (cli-progress), plain lines otherwise; nothing with
 * --quiet. No colours: the bar is plain characters, so NO_COLOR has nothing to strip.
 */
import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../roam/run.ts';

export interface Progress {
  onProgress: (e: ProgressEvent) => void;
  stop: () => void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, opts: { quiet?: boolean } = {}): Progress {
  if (opts.quiet) return { onProgress: () => {}, stop: () => {} };
  let bar: cliProgress.SingleBar | null = null;
  const tty = Boolean(stream.isTTY);
  const started = performance.now();
  const describe = (e: Extract<ProgressEvent, { kind: 'roam' }>): string => {
    const r = e.record;
    const head = `roam ${r.index}/${e.total} ${r.direction}`;
    const time = `[${clock((performance.now() - started) / 1000)} elapsed${e.done < e.total ? `, about ${clock(estimateS(started, e))} to go` : ''}]`;
    return r.valid
      ? `${head}: lost ${r.lost}, outage ${r.outageMs ?? '–'} ms, after association ${r.afterAssociationMs ?? '–'} ms ${time}`
      : `${head}: invalid (${r.invalidReason}) ${time}`;
  };
  return {
    onProgress: (e) => {
      if (e.kind === 'setup') {
        stream.write(`${e.message}\n`);
        return;
      }
      if (!tty) {
        stream.write(`${describe(e)}\n`);
        return;
      }
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { format: 'roams {bar} {value}/{total} | {duration_formatted} elapsed, about {eta_formatted} to go | last: {last}', stream, hideCursor: true, clearOnComplete: false, etaBuffer: 20 },
          cliProgress.Presets.shades_classic,
        );
        bar.start(e.total, 0, { last: '' });
      }
      bar.update(e.done, { last: e.record.valid ? `${e.record.direction} lost ${e.record.lost}` : `invalid: ${e.record.invalidReason}` });
    },
    stop: () => bar?.stop(),
  };
}

/** Seconds left at the average pace so far. */
function estimateS(startedMs: number, e: { done: number; total: number }): number {
  const elapsed = (performance.now() - startedMs) / 1000;
  return e.done > 0 ? (elapsed / e.done) * (e.total - e.done) : 0;
}

/** 75 -> 1m15s; 3700 -> 1h01m40s. */
export function clock(s: number): string {
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m${String(sec).padStart(2, '0')}s` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}
