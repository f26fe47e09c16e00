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

/** A card of the page: `<section id class="card"><h2>title</h2>…</section>`. */
export function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return h('section', { id, class: 'card' }, h('h2', null, title), ...children);
}
