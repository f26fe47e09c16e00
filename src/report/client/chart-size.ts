/** Chart widths: a uPlot chart as wide as its laid-out box, resized when the box is. */
import type uPlot from 'uplot';

export function widthOf(el: HTMLElement): number {
  return Math.max(320, Math.floor(el.clientWidth || document.body.clientWidth - 64));
}

/** Keep `u` as wide as `box` (at a fixed height) when the box changes width. */
export function observeWidth(box: HTMLElement, u: uPlot, height: number): void {
  if (typeof ResizeObserver === 'undefined') return;
  let last = box.clientWidth;
  new ResizeObserver(() => {
    if (box.clientWidth !== last && box.clientWidth > 0) {
      last = box.clientWidth;
      u.setSize({ width: widthOf(box), height });
    }
  }).observe(box);
}
