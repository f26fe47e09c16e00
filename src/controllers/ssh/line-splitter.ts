/**
 * Splits a byte stream (a remote command's stdout or stderr) into lines: UTF-8
 * characters split across chunks, CRLF, a final unterminated line. A line longer
 * than 64 KiB is delivered in 64 KiB pieces, so a command that never prints a
 * newline cannot grow the buffer without bound.
 */
import { StringDecoder } from 'node:string_decoder';

/** Longest line delivered in one piece, in characters. */
export const MAX_LINE_CHARS = 64 * 1024;

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: Buffer): void {
    const text = this.pending + this.decoder.write(chunk);
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) >= 0) {
      const line = text.slice(start, nl);
      start = nl + 1;
      this.emit(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
    this.pending = text.slice(start);
    while (this.pending.length > MAX_LINE_CHARS) {
      this.emit(this.pending.slice(0, MAX_LINE_CHARS));
      this.pending = this.pending.slice(MAX_LINE_CHARS);
    }
  }

  /** The stream ended: deliver what is left as the last line. */
  end(): void {
    this.pending += this.decoder.end();
    if (this.pending !== '') {
      const line = this.pending;
      this.pending = '';
      this.emit(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
  }
}
