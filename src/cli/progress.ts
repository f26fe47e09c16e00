import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../roam/run.ts';

/** Roam progress: a bar on a TTY, plain lines otherwise. Always on stderr (stdout is for --json). */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): { onProgress: (e: ProgressEvent) => void; stop: () => void } {
  let bar: cliProgress.SingleBar | null = null;
  const tty = Boolean(stream.isTTY);
  const describe = (e: Extract<ProgressEvent, { kind: 'roam' }>): string => {
    const r = e.record;
    return r.valid
      ? `roam ${r.index}/${e.total} ${r.direction}: lost ${r.lost}, outage ${r.outageMs ?? '–'} ms, after association ${r.afterAssociationMs ?? '–'} ms`
      : `roam ${r.index}/${e.total} ${r.direction}: invalid (${r.invalidReason})`;
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
          { format: 'roams {bar} {value}/{total} | last: {last}', stream, hideCursor: true, clearOnComplete: false },
          cliProgress.Presets.shades_classic,
        );
        bar.start(e.total, 0, { last: '' });
      }
      bar.update(e.done, { last: e.record.valid ? `${e.record.direction} lost ${e.record.lost}` : `invalid: ${e.record.invalidReason}` });
    },
    stop: () => bar?.stop(),
  };
}
