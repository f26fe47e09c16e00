/**
 * Building the page's DOM. Text only ever goes in as text nodes (textContent
 * semantics): a banner, SSID or reason containing markup shows as that markup,
 * it is never parsed. There is no innerHTML anywhere in the client.
 */
export type Child = Node | string | number | null | undefined | false | Child[];
type AttrValue = string | number | boolean | null | undefined | ((ev: Event) => void);

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, AttrValue> | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (typeof v === 'function') {
        if (!k.startsWith('on')) throw new Error(`handler for ${k}`);
        el.addEventListener(k.slice(2).toLowerCase(), v);
      } else if (k.startsWith('on')) {
        throw new Error(`refusing a string event handler attribute ${k}`);
      } else if ((k === 'href' || k === 'src') && /^\s*(javascript|data|vbscript):/i.test(String(v))) {
        throw new Error(`refusing a ${k} with a script scheme`);
      } else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (typeof c === 'string' || typeof c === 'number') el.appendChild(document.createTextNode(String(c)));
    else el.appendChild(c);
  }
}

export function clear(el: Node): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** A number for a table: '–' when unknown. */
export function fmt(x: number | null | undefined, digits = 0): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Bench time (epoch ms) as UTC clock time with ms. */
export function clock(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '–';
  return new Date(ms).toISOString().slice(11, 23);
}

/** An ISO timestamp as "2026-11-26 08:53:35 UTC". */
export function dateTime(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso || '–';
  return new Date(t).toISOString().slice(0, 19).replace('T', ' ') + ' UTC';
}

export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

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

export function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return h('section', { id, class: 'card' }, h('h2', null, title), ...children);
}
