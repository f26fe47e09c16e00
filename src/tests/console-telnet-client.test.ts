/**
 * The console driver's telnet layer (RFC 854/855, RFC 2217) on byte sequences written
 * from the RFCs, not from the code: answers, a sequence split across segments, the
 * baud rate a COM-PORT server reports, IAC in data.
 */
import { describe, expect, it } from 'vitest';
import { TelnetDecoder, telnetEscape } from '../controllers/console/telnet-client.ts';

function decoder() {
  const data: number[] = [];
  const sent: number[][] = [];
  const d = new TelnetDecoder({ data: (b) => data.push(...b), send: (b) => sent.push([...b]) });
  return { d, data, sent };
}

describe('telnet client negotiation', () => {
  it('accepts ECHO and SGA, refuses other WILLs and DOs, agrees to COM-PORT-OPTION and asks the baud rate (0: "tell me")', () => {
    const { d, sent } = decoder();
    // IAC WILL ECHO, IAC WILL SGA, IAC WILL 24 (terminal type), IAC DO 31 (NAWS), IAC DO 44 (COM-PORT)
    d.push(Buffer.from([255, 251, 1, 255, 251, 3, 255, 251, 24, 255, 253, 31, 255, 253, 44]));
    expect(sent).toEqual([
      [255, 253, 1],
      [255, 253, 3],
      [255, 254, 24],
      [255, 252, 31],
      [255, 251, 44],
      [255, 250, 44, 1, 0, 0, 0, 0, 255, 240],
    ]);
    // The same offer again is not answered again (no negotiation loops).
    d.push(Buffer.from([255, 251, 1]));
    expect(sent).toHaveLength(6);
  });

  it('reads the server\'s SET-BAUDRATE answer (code 101), also when split across segments', () => {
    const { d, data } = decoder();
    const msg = [65, 255, 250, 44, 101, 0, 1, 194, 0, 255, 240, 66]; // 'A', SB COM-PORT 101 115200 SE, 'B'
    for (const b of msg) d.push(Buffer.from([b]));
    expect(d.baudRate).toBe(115200);
    expect(Buffer.from(data).toString()).toBe('AB');
  });

  it('IAC IAC is a data byte both ways', () => {
    const { d, data } = decoder();
    d.push(Buffer.from([120, 255, 255, 121]));
    expect(data).toEqual([120, 255, 121]);
    expect([...telnetEscape(Buffer.from([1, 255, 2]))]).toEqual([1, 255, 255, 2]);
  });
});
