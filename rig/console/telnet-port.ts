/**
 * The console server's side of a telnet port (ser2net's `telnet` mode), its own code
 * (the virtual rig shares no protocol code with the rig it checks): RFC 854/855
 * negotiation and the server half of RFC 2217's COM-PORT-OPTION.
 *
 * On connect the port offers WILL ECHO and WILL SUPPRESS-GO-AHEAD (the board echoes,
 * character at a time) and DO COM-PORT-OPTION (RFC 2217: "will you speak com-port
 * control?"). A client that answers WILL COM-PORT-OPTION may send SET-BAUDRATE: 0 asks
 * the current rate, another value sets it; the answer is code 101 with the rate in
 * force. Other options are refused; WONT / DONT are never answered (no loops).
 * Data bytes pass through (IAC IAC is 255); output is escaped (255 doubled).
 */

const IAC = 255;
const DONT = 254;
const DO = 253;
const WONT = 252;
const WILL = 251;
const SB = 250;
const SE = 240;
const ECHO = 1;
const SGA = 3;
const COM_PORT = 44;
const SET_BAUDRATE = 1;

export interface TelnetPortSink {
  data(bytes: Buffer): void;
  send(bytes: Buffer): void;
}

export class TelnetPortCodec {
  private rest: Buffer = Buffer.alloc(0);
  /** The client agreed to RFC 2217 (it sent WILL COM-PORT-OPTION). */
  comPort = false;
  /** Requests the client made (for tests): `set-baudrate <n>`. */
  readonly requests: string[] = [];

  constructor(
    private readonly sink: TelnetPortSink,
    private readonly port: { baud: number },
  ) {}

  /** What the port says first. */
  greeting(): Buffer {
    return Buffer.from([IAC, WILL, ECHO, IAC, WILL, SGA, IAC, DO, COM_PORT]);
  }

  push(chunk: Buffer): void {
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = Buffer.alloc(0);
    const data: number[] = [];
    let i = 0;
    for (; i < buf.length; ) {
      if (buf[i] !== IAC) {
        data.push(buf[i++]);
        continue;
      }
      if (i + 1 >= buf.length) break;
      const cmd = buf[i + 1];
      if (cmd === IAC) {
        data.push(IAC);
        i += 2;
      } else if (cmd >= WILL && cmd <= DONT) {
        if (i + 2 >= buf.length) break;
        this.option(cmd, buf[i + 2]);
        i += 3;
      } else if (cmd === SB) {
        let end = -1;
        for (let j = i + 2; j + 1 < buf.length; j++) {
          if (buf[j] === IAC && buf[j + 1] === SE) {
            end = j;
            break;
          }
          if (buf[j] === IAC && buf[j + 1] === IAC) j++;
        }
        if (end < 0) break;
        this.sub(buf.subarray(i + 2, end));
        i = end + 2;
      } else i += 2;
    }
    if (i < buf.length) this.rest = Buffer.from(buf.subarray(i));
    if (data.length) this.sink.data(Buffer.from(data));
  }

  private option(cmd: number, opt: number): void {
    if (cmd === WILL) {
      if (opt === COM_PORT) this.comPort = true;
      else this.sink.send(Buffer.from([IAC, DONT, opt]));
    } else if (cmd === DO) {
      if (opt !== ECHO && opt !== SGA) this.sink.send(Buffer.from([IAC, WONT, opt]));
    } else if (cmd === WONT && opt === COM_PORT) this.comPort = false;
  }

  private sub(body: Buffer): void {
    if (body[0] !== COM_PORT || !this.comPort || body[1] !== SET_BAUDRATE || body.length < 6) return;
    const plain = unescape(body.subarray(2));
    const asked = plain.readUInt32BE(0);
    this.requests.push(`set-baudrate ${asked}`);
    if (asked !== 0) this.port.baud = asked;
    const reply = Buffer.alloc(4);
    reply.writeUInt32BE(this.port.baud);
    this.sink.send(Buffer.concat([Buffer.from([IAC, SB, COM_PORT, 100 + SET_BAUDRATE]), escape(reply), Buffer.from([IAC, SE])]));
  }
}

export function escape(data: Buffer): Buffer {
  if (!data.includes(IAC)) return data;
  const out: number[] = [];
  for (const b of data) {
    out.push(b);
    if (b === IAC) out.push(IAC);
  }
  return Buffer.from(out);
}

function unescape(b: Buffer): Buffer {
  const out: number[] = [];
  for (let j = 0; j < b.length; j++) {
    out.push(b[j]);
    if (b[j] === IAC && b[j + 1] === IAC) j++;
  }
  return Buffer.from(out);
}
