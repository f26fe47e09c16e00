/**
 * The last bytes of a remote command's output: what a streamed command (ping,
 * iwevent, running for hours) keeps of its stdout and stderr for its result.
 */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}

  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size - this.chunks[0].length >= this.max) this.size -= (this.chunks.shift() as Buffer).length;
  }

  /** The last `max` bytes, decoded as UTF-8. */
  toString(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.max)).toString('utf8');
  }
}
