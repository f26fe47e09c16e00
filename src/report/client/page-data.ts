/**
 * The data a page is given: the JSON block html.ts embeds
 * (`<script type="application/json">`), and the decoding of its compact
 * delta-encoded time columns.
 */

/** The JSON in the page's `<script type="application/json" id=…>` block. */
export function readJson<T>(id: string): T {
  const el = document.getElementById(id);
  if (!el || !el.textContent) throw new Error(`no #${id} data block`);
  return JSON.parse(el.textContent) as T;
}

/** Inverse of the server's deltaEncode, plus t0 and a unit change: epoch seconds for uPlot. */
export function decodeTimes(deltas: number[], t0: number): number[] {
  const out = new Array<number>(deltas.length);
  let acc = 0;
  for (let i = 0; i < deltas.length; i++) {
    acc += deltas[i];
    out[i] = (t0 + acc) / 1000;
  }
  return out;
}
