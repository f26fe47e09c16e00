/**
 * Recognises what a board's console says when its kernel gives up: an oops, a panic,
 * a watchdog (an NMI lockup report, a soft lockup, a watchdog reset). Pure: text in,
 * events out; the recovery ladder and the report use it on a console capture.
 *
 * The shapes it knows (2.6-era kernels, MIPS and x86, with or without printk times):
 * - oops: `Unable to handle kernel paging request at virtual address ...` or `... NULL
 *   pointer dereference ...` (x86 arch/i386/mm/fault.c; MIPS prefixes `CPU n `), then
 *   `Oops: 0002 [#1]` (x86) or `Oops[#1]:` (MIPS); `Internal error: Oops:` on ARM;
 *   a bare `Oops` line also starts one. The block runs to the `Code:` line, a panic
 *   line, or the first line that is neither indented nor register-dump shaped, at most
 *   MAX_BLOCK_LINES lines.
 * - panic: `Kernel panic - not syncing: <reason>` (kernel/panic.c's format).
 * - watchdog: `NMI Watchdog detected LOCKUP on CPUn` (arch/i386/kernel/nmi.c), `BUG: soft
 *   lockup detected on CPU#n!` (kernel/softlockup.c), and a watchdog reset reported by
 *   a driver or boot loader (`watchdog ... reset`, `Watchdog reset`).
 * The oops's own title (the first line) and where it faulted (`epc : ... func+off/len
 * [module]`, `EIP is at func+off/len [module]`, `PC is at ...`) say what it was.
 */

export type KernelEventKind = 'oops' | 'panic' | 'watchdog';

export interface KernelEvent {
  kind: KernelEventKind;
  /** One line: what happened (`Unable to handle kernel paging request at virtual address 00000004`). */
  title: string;
  /** Where it faulted (`ath_tx_processq+0x3c/0x4a0 [ath_pci]`), when the text says; null otherwise. */
  where: string | null;
  /** The module named in `where` (`ath_pci`), or null. */
  module: string | null;
  /** The event's whole text as the console printed it (timestamps kept). */
  text: string;
  /** Character offset of its first line in the text given. */
  offset: number;
  /** Character offset just after its last line (where the text after it starts). */
  end: number;
}

/** Longest oops block taken (a stack dump is 30 to 60 lines). */
const MAX_BLOCK_LINES = 80;

/** A printk time (`[  36.519177] `) or a syslog prefix (`Aug 28 08:33:06 host kernel: `), removed before matching. */
const PREFIX_RE = /^(?:<\d>)?(?:[A-Z][a-z]{2} +\d+ [\d:]{8} (?:\d{4} )?\S+ (?:kern\.\w+ )?kernel: )?(?:<\d>)?(?:\[ *\d+\.\d+\] )?/;

const OOPS_START_RE = /^(?:CPU \d+ )?Unable to handle kernel (?:NULL pointer dereference|paging request)\b.*|^(?:Internal error: )?Oops(?:\[#\d+\]:|: [0-9a-f]+ \[#\d+\]|\b.*)/;
const MID_LINE_OOPS_RE = /(?:CPU \d+ )?Unable to handle kernel (?:NULL pointer dereference|paging request)/;
const OOPS_HEADER_RE = /^(?:Internal error: )?Oops(?:\[#\d+\]:|: [0-9a-f]+ \[#\d+\])/;
const PANIC_RE = /^Kernel panic - not syncing:?\s*(.*)$/;
const WATCHDOG_RE = /^(NMI Watchdog detected LOCKUP on CPU ?\d+.*|BUG: soft lockup detected on CPU#\d+!?.*|.*\bwatchdog\b.*\breset\b.*|Watchdog reset.*)$/i;
const WHERE_RE = /^(?:epc\s*:\s*[0-9a-f]+\s+|EIP is at |PC is at |RIP: [0-9a-f:]+\[<[0-9a-f]+>\]\s+)(\S+\+0x[0-9a-f]+\/0x[0-9a-f]+)(?:\s+\[(\w+)\])?/i;
/** Lines that belong to a register dump even when not indented. */
const DUMP_LINE_RE = /^(?:\$\s?\d+\s*:|Hi\s*:|Lo\s*:|epc\s*:|ra\s*:|Status\s*:|Cause\s*:|BadVA\s*:|PrId\s*:|Modules linked in|Process |Stack\s*:|Call Trace|Code:|CPU:|EIP:|EFLAGS:|EIP is at|eax:|esi:|ds:|printing eip|\*pde|\*pte|[0-9a-f]{8}$|pgd|PC is at|LR is at|pc :|sp :|r\d+ ?:|Flags:|Control:|Backtrace|Function entered|SMP|Cpu \d|Not tainted|Tainted|task:|Workqueue:|Mem abort|Data abort|Hardware name|RIP:|RSP:|RAX:|Internal error|\[<)/;

function stripPrefix(line: string): string {
  return line.replace(PREFIX_RE, '');
}

/** Every kernel event in `text`, in order. */
export function findKernelEvents(text: string): KernelEvent[] {
  const raw = text.replace(/\r\n?/g, '\n').split('\n');
  const offsets: number[] = [];
  {
    let at = 0;
    // Offsets in the caller's text: count the original line lengths (CRLF included).
    const re = /\r\n|\r|\n/g;
    let m: RegExpExecArray | null;
    offsets.push(0);
    while ((m = re.exec(text))) {
      at = m.index + m[0].length;
      offsets.push(at);
    }
  }
  const lines = raw.map(stripPrefix);
  const events: KernelEvent[] = [];
  for (let i = 0; i < lines.length; i++) {
    // printk does not know where a console's cursor is: an oops may start after a prompt on the same line.
    const mid = MID_LINE_OOPS_RE.exec(lines[i]);
    if (mid && mid.index > 0) {
      const at = raw[i].indexOf(mid[0]);
      if (at > 0) {
        raw[i] = raw[i].slice(at);
        offsets[i] += at;
      }
      lines[i] = lines[i].slice(mid.index);
    }
    const line = lines[i].trim();
    if (line === '') continue;
    const panic = PANIC_RE.exec(line);
    if (panic) {
      events.push({ kind: 'panic', title: `Kernel panic - not syncing: ${panic[1].trim()}`.trim(), where: null, module: null, text: raw[i].trimEnd(), offset: offsets[i], end: offsets[i + 1] ?? text.length });
      continue;
    }
    if (OOPS_START_RE.test(line)) {
      const end = oopsEnd(lines, i);
      const block = lines.slice(i, end);
      const whereLine = block.map((l) => WHERE_RE.exec(l.trim())).find((m) => m !== null);
      const title = OOPS_HEADER_RE.test(line) ? (block.find((l) => /Unable to handle kernel/.test(l))?.trim() ?? line) : line;
      events.push({
        kind: 'oops',
        title: title.replace(/^CPU \d+ /, '').replace(/, epc == .*$/, ''),
        where: whereLine?.[1] ?? null,
        module: whereLine?.[2] ?? null,
        text: raw.slice(i, end).map((l) => l.trimEnd()).join('\n'),
        offset: offsets[i],
        end: offsets[end] ?? text.length,
      });
      i = end - 1;
      continue;
    }
    if (WATCHDOG_RE.test(line)) {
      // An NMI lockup report dumps registers like an oops: keep them with it.
      const end = /^NMI Watchdog/i.test(line) || /^BUG: soft lockup/.test(line) ? oopsEnd(lines, i) : i + 1;
      const block = lines.slice(i, end);
      const whereLine = block.map((l) => WHERE_RE.exec(l.trim())).find((m) => m !== null);
      events.push({ kind: 'watchdog', title: line, where: whereLine?.[1] ?? null, module: whereLine?.[2] ?? null, text: raw.slice(i, end).map((l) => l.trimEnd()).join('\n'), offset: offsets[i], end: offsets[end] ?? text.length });
      i = end - 1;
    }
  }
  return events;
}

/** Index after the last line of the oops block starting at `start`. */
function oopsEnd(lines: string[], start: number): number {
  let i = start + 1;
  let modules = false;
  for (; i < lines.length && i - start < MAX_BLOCK_LINES; i++) {
    const l = lines[i];
    const t = l.trim();
    // `Modules linked in:` wraps onto unindented lines of module names.
    const wasModules: boolean = modules;
    modules = /^Modules linked in/.test(t) || (wasModules && /^[\w() -]+$/.test(t) && !DUMP_LINE_RE.test(t));
    if (wasModules && modules) continue;
    if (PANIC_RE.test(t)) break;
    if (t === '') {
      // A blank line inside a dump is rare; two in a row, or one before an unrelated line, end it.
      const next = lines[i + 1]?.trim() ?? '';
      if (next === '' || !(DUMP_LINE_RE.test(next) || /^\s/.test(lines[i + 1] ?? ''))) break;
      continue;
    }
    if (/^Code:/.test(t)) {
      i++;
      break;
    }
    if (/^\s/.test(l) || DUMP_LINE_RE.test(t) || OOPS_HEADER_RE.test(t)) continue;
    break;
  }
  return i;
}

/** One line for a record or a reason: `kernel oops: <title> in <where>`. */
export function describeKernelEvent(e: KernelEvent): string {
  const kind = e.kind === 'oops' ? 'kernel oops' : e.kind === 'panic' ? 'kernel panic' : 'watchdog';
  const title = e.kind === 'panic' ? e.title.replace(/^Kernel panic - not syncing:\s*/, '') || 'panic' : e.title;
  return `${kind}: ${title}${e.where ? ` at ${e.where}${e.module && !e.where.includes(`[${e.module}]`) ? ` [${e.module}]` : ''}` : ''}`;
}
