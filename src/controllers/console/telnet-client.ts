/**
 * The client side of a telnet connection to a console server (ser2net `telnet` ports):
 * RFC 854/855 option negotiation and the COM-PORT-OPTION of RFC 2217, in one small
 * decoder of our own (telnet-stream, the npm package that fits, is AGPL-3.0).
 *
 * - Data bytes pass through; IAC IAC is a literal 255; other commands are dropped.
 * - The server's WILL ECHO / WILL SUPPRESS-GO-AHEAD are accepted (DO), its WILL
 *   COM-PORT-OPTION too; every other WILL is refused (DONT), every DO refused (WONT)
 *   except DO COM-PORT-OPTION: where the server offers RFC 2217 we agree (WILL) and ask
 *   the port's baud rate (SET-BAUDRATE 0, "tell me"); the server's answer (code 101) is
 *   kept as `baudRate`. Nothing is changed on the port.
 * - A sequence split across TCP segments is kept until it is whole.
 * - Data written is escaped (255 doubled); lines end CR LF (RFC 854's NVT end of line).
 */

export const IAC = 255;
export const DONT = 254;
export const DO = 253;
export const WONT = 252;
export const WILL = 251;
export const SB = 250;
export const SE = 240;
export const OPT_ECHO = 1;
export const OPT_SGA = 3;
export const OPT_COM_PORT = 44;
/** RFC 2217 client-to-server SET-BAUDRATE; the server answers with 100 + the code. */
export const COM_SET_BAUDRATE = 1;

export interface TelnetEvents {
  /** Console bytes. */
  data(bytes: Buffer): void;
  /** Bytes to send back (negotiation replies). */
  send(bytes: Buffer): void;
}

export class TelnetDecoder {
  private pending: Buffer = Buffer.alloc(0);
  /** Options this side agreed to (the server sent DO, we answered WILL). */
  readonly local = new Set<number>();
  /** Options the server agreed to perform (it sent WILL, we answered DO). */
  readonly remote = new Set<number>();
  /** The console port's baud rate as the RFC 2217 server reported it; null when it did not. */
  baudRate: number | null = null;

  constructor(private readonly ev: TelnetEvents) {}

  /** Feed bytes from the socket. */
  push(chunk: Buffer): void {
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    const out: number[] = [];
    let i = 0;
    while (i < buf.length) {
      const b = buf[i];
      if (b !== IAC) {
        out.push(b);
        i++;
        continue;
      }
      if (i + 1 >= buf.length) break; // incomplete
      const cmd = buf[i + 1];
      if (cmd === IAC) {
        out.push(IAC);
        i += 2;
      } else if (cmd === DO || cmd === DONT || cmd === WILL || cmd === WONT) {
        if (i + 2 >= buf.length) break;
        this.negotiate(cmd, buf[i + 2]);
        i += 3;
      } else if (cmd === SB) {
        const end = findSubEnd(buf, i + 2);
        if (end < 0) break;
        this.subnegotiation(unescape(buf.subarray(i + 2, end)));
        i = end + 2;
      } else {
        i += 2; // NOP, GA, AYT...: nothing for a console
      }
    }
    if (i < buf.length) this.pending = Buffer.from(buf.subarray(i));
    if (out.length) this.ev.data(Buffer.from(out));
  }

  private negotiate(cmd: number, opt: number): void {
    if (cmd === WILL) {
      const accept = opt === OPT_ECHO || opt === OPT_SGA || opt === OPT_COM_PORT;
      if (accept && this.remote.has(opt)) return; // already agreed: no loop
      if (accept) this.remote.add(opt);
      this.ev.send(Buffer.from([IAC, accept ? DO : DONT, opt]));
    } else if (cmd === WONT) {
      if (this.remote.delete(opt)) this.ev.send(Buffer.from([IAC, DONT, opt]));
    } else if (cmd === DO) {
      if (opt === OPT_COM_PORT) {
        if (this.local.has(opt)) return;
        this.local.add(opt);
        this.ev.send(Buffer.from([IAC, WILL, opt]));
        // Ask, change nothing: a baud rate of 0 requests the current one (RFC 2217).
        this.ev.send(Buffer.from([IAC, SB, OPT_COM_PORT, COM_SET_BAUDRATE, 0, 0, 0, 0, IAC, SE]));
        return;
      }
      this.ev.send(Buffer.from([IAC, WONT, opt]));
    } else if (cmd === DONT) {
      if (this.local.delete(opt)) this.ev.send(Buffer.from([IAC, WONT, opt]));
    }
  }

  private subnegotiation(body: Buffer): void {
    if (body[0] === OPT_COM_PORT && body[1] === 100 + COM_SET_BAUDRATE && body.length >= 6) {
      this.baudRate = body.readUInt32BE(2);
    }
  }
}

/** Index of the IAC of the IAC SE that ends a subnegotiation starting at `from`; -1 when not yet received. */
function findSubEnd(buf: Buffer, from: number): number {
  for (let j = from; j + 1 < buf.length; j++) {
    if (buf[j] === IAC) {
      if (buf[j + 1] === SE) return j;
      if (buf[j + 1] === IAC) j++;
    }
  }
  return -1;
}

function unescape(b: Buffer): Buffer {
  const out: number[] = [];
  for (let j = 0; j < b.length; j++) {
    out.push(b[j]);
    if (b[j] === IAC && b[j + 1] === IAC) j++;
  }
  return Buffer.from(out);
}

/** Console input for a telnet port: IAC doubled. */
export function telnetEscape(data: Buffer): Buffer {
  if (!data.includes(IAC)) return data;
  const out: number[] = [];
  for (const b of data) {
    out.push(b);
    if (b === IAC) out.push(IAC);
  }
  return Buffer.from(out);
}
