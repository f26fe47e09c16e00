/**
 * One output stream of a shell session (shell-session.ts), split into the commands'
 * bytes and the session's marker lines. A marker is the session's random nonce, a tag
 * and a newline (`<nonce>s12:0\n`); it may come anywhere in the stream, also in the
 * middle of a line when a command's output has no trailing newline, and across chunk
 * boundaries. Everything else is passed on byte for byte (binary-safe): the nonce is
 * 128 random bits, so a command's output holds it only if the command printed it.
 */
export class MarkerScanner {
  private carry: Buffer = Buffer.alloc(0);
  private readonly nonce: Buffer;

  constructor(
    nonce: string,
    private readonly onData: (chunk: Buffer) => void,
    private readonly onMarker: (tag: string) => void,
  ) {
    this.nonce = Buffer.from(nonce, 'latin1');
  }

  push(chunk: Buffer): void {
    let buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = Buffer.alloc(0);
    // A bounded loop: every turn consumes at least one marker from buf, or ends.
    for (;;) {
      const at = buf.indexOf(this.nonce);
      if (at < 0) {
        // Keep what could be the start of a nonce cut by the chunk boundary.
        const keep = Math.min(buf.length, this.nonce.length - 1);
        const cut = this.partialNonceAt(buf, keep);
        if (cut > 0) this.onData(buf.subarray(0, cut));
        this.carry = Buffer.from(buf.subarray(cut));
        return;
      }
      const eol = buf.indexOf(0x0a, at + this.nonce.length);
      if (eol < 0) {
        if (at > 0) this.onData(buf.subarray(0, at));
        this.carry = Buffer.from(buf.subarray(at));
        return;
      }
      if (at > 0) this.onData(buf.subarray(0, at));
      this.onMarker(buf.subarray(at + this.nonce.length, eol).toString('latin1'));
      buf = buf.subarray(eol + 1);
      if (buf.length === 0) return;
    }
  }

  /** Where the data ends: before the longest tail of `buf` (at most `keep` bytes) that is a prefix of the nonce. */
  private partialNonceAt(buf: Buffer, keep: number): number {
    for (let n = keep; n > 0; n--) {
      if (buf.subarray(buf.length - n).equals(this.nonce.subarray(0, n))) return buf.length - n;
    }
    return buf.length;
  }
}
