/**
 * The server side of a telnet connection's input, from RFC 854 (TELNET protocol
 * specification) and RFC 855 (option negotiation): turns the byte stream a client
 * sends into input lines, and answers its option requests.
 *
 * - `IAC IAC` is a data byte 255; `IAC SB ... IAC SE` (subnegotiation) is dropped
 *   whole, even when split across TCP segments (the decoder keeps its state);
 * - `IAC DO x` is refused with `IAC WONT x` and `IAC WILL x` with `IAC DONT x`: the
 *   instruments this serves support no option, and RFC 854 asks a party that
 *   cannot enable an option to say so. `WONT` / `DONT` are never answered (RFC 854:
 *   no acknowledgment of a mode one is already in, which rules out loops);
 * - `IAC EC` erases the last character of the line being typed, `IAC EL` the line;
 *   the other two-byte commands (NOP, DM, BRK, IP, AO, AYT, GA) are ignored;
 * - a line ends at CR LF, CR NUL (RFC 854's bare carriage return), a lone CR or a
 *   lone LF; each line end counts once.
 */

const IAC = 255;
const DONT = 254;
const DO = 253;
const WONT = 252;
const WILL = 251;
const SB = 250;
const EL = 248;
const EC = 247;
const SE = 240;
const CR = 13;
const LF = 10;
const NUL = 0;

type State = 'data' | 'command' | 'option' | 'subnegotiation' | 'subnegotiation-iac';

export interface TelnetDecoderSink {
  /** One complete input line, bytes as latin1 text, without its line end. */
  line(text: string): void;
  /** Bytes to send back to the client (option refusals). */
  answer(bytes: Buffer): void;
}

export class TelnetLineDecoder {
  private state: State = 'data';
  private verb = 0;
  private current: number[] = [];
  private afterCr = false;

  constructor(
    private readonly sink: TelnetDecoderSink,
    /** Longest line accepted; a longer one makes `push` return false. */
    private readonly maxLineBytes = 4096,
  ) {}

  /** Feed received bytes. Returns false when a line grew past `maxLineBytes` (drop the client). */
  push(chunk: Buffer): boolean {
    for (const byte of chunk) {
      switch (this.state) {
        case 'data':
          if (!this.data(byte)) return false;
          break;
        case 'command':
          this.command(byte);
          break;
        case 'option':
          this.option(byte);
          break;
        case 'subnegotiation':
          if (byte === IAC) this.state = 'subnegotiation-iac';
          break;
        case 'subnegotiation-iac':
          // IAC SE ends it; IAC IAC is an escaped 255 inside it; anything else is malformed, keep skipping.
          this.state = byte === SE ? 'data' : 'subnegotiation';
          break;
      }
    }
    return true;
  }

  private data(byte: number): boolean {
    if (byte === IAC) {
      this.state = 'command';
      return true;
    }
    if (this.afterCr) {
      this.afterCr = false;
      if (byte === LF || byte === NUL) return true; // the second half of CR LF / CR NUL
    }
    if (byte === CR || byte === LF) {
      this.afterCr = byte === CR;
      const text = Buffer.from(this.current).toString('latin1');
      this.current = [];
      this.sink.line(text);
      return true;
    }
    this.current.push(byte);
    return this.current.length <= this.maxLineBytes;
  }

  private command(byte: number): void {
    this.state = 'data';
    switch (byte) {
      case IAC:
        this.current.push(IAC);
        break;
      case WILL:
      case WONT:
      case DO:
      case DONT:
        this.verb = byte;
        this.state = 'option';
        break;
      case SB:
        this.state = 'subnegotiation';
        break;
      case EC:
        this.current.pop();
        break;
      case EL:
        this.current = [];
        break;
      default:
        break; // NOP, DM, BRK, IP, AO, AYT, GA, a stray SE
    }
  }

  private option(byte: number): void {
    this.state = 'data';
    if (this.verb === DO) this.sink.answer(Buffer.from([IAC, WONT, byte]));
    else if (this.verb === WILL) this.sink.answer(Buffer.from([IAC, DONT, byte]));
  }
}
