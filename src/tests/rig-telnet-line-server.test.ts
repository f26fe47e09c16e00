/**
 * The virtual rig's own telnet handling (rig/attenuator/telnet-decoder.ts,
 * telnet-line-server.ts), RFC 854: a client's negotiation bytes are removed from its
 * input and its option requests refused, on both virtual attenuator models.
 */
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TelnetLineDecoder } from '../../rig/attenuator/telnet-decoder.ts';
import { startTelnetLineServer, type TelnetLineServer } from '../../rig/attenuator/telnet-line-server.ts';
import { startMiniCircuitsServer, type MiniCircuitsServer } from '../../rig/attenuator/minicircuits-server.ts';
import { startWeinschel8310Server, type Weinschel8310Server } from '../../rig/attenuator/weinschel-8310-server.ts';

const IAC = 255;
const DONT = 254;
const DO = 253;
const WONT = 252;
const WILL = 251;
const SB = 250;
const SE = 240;
const EL = 248;
const EC = 247;
const NOP = 241;
const ECHO = 1;
const SGA = 3;
const TTYPE = 24;
const NAWS = 31;

const toClose: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(toClose.splice(0).map((s) => s.close()));
});

function decode(chunks: (number[] | string)[], maxLineBytes?: number) {
  const lines: string[] = [];
  const answers: number[][] = [];
  const d = new TelnetLineDecoder({ line: (l) => lines.push(l), answer: (b) => answers.push([...b]) }, maxLineBytes);
  let ok = true;
  for (const c of chunks) ok = d.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : Buffer.from(c)) && ok;
  return { lines, answers, ok };
}

describe('telnet decoder (RFC 854)', () => {
  it('removes option negotiation and refuses DO / WILL, never answering WONT / DONT', () => {
    const r = decode([[IAC, DO, ECHO, IAC, WILL, TTYPE, IAC, WONT, SGA, IAC, DONT, SGA], 'MN?\r\n']);
    expect(r.lines).toEqual(['MN?']);
    expect(r.answers).toEqual([
      [IAC, WONT, ECHO],
      [IAC, DONT, TTYPE],
    ]);
  });

  it('drops a subnegotiation whole, also when it is split across segments', () => {
    const r = decode([[IAC, SB, NAWS, 0], [80, 0, IAC], [IAC, 24, IAC], [SE], 'AT', [IAC, NOP], 'T?\r\n']);
    expect(r.lines).toEqual(['ATT?']);
    expect(r.answers).toEqual([]);
  });

  it('IAC IAC is a data byte 255; an IAC split from its command still works', () => {
    const r = decode([[0x41, IAC], [IAC, 0x42, IAC], [DO], [ECHO, 0x0d, 0x0a]]);
    expect(r.lines).toEqual(['A\u00ffB']);
    expect(r.answers).toEqual([[IAC, WONT, ECHO]]);
  });

  it('erase character and erase line edit the line being typed', () => {
    const r = decode(['ATX', [IAC, EC], '?\r\n', 'garbage', [IAC, EL], 'SN?\r\n']);
    expect(r.lines).toEqual(['AT?', 'SN?']);
  });

  it('CR LF, CR NUL, a lone CR and a lone LF each end one line', () => {
    const r = decode(['a\r', '\nb\r', [0], 'c\nd\re\r\n']);
    expect(r.lines).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('a line longer than the limit is refused', () => {
    expect(decode(['x'.repeat(10)], 8).ok).toBe(false);
    expect(decode(['x'.repeat(8), '\r\n'], 8).ok).toBe(true);
  });
});

/** Raw client: write byte chunks one by one (separate TCP segments), collect what comes back. */
async function rawClient(port: number) {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.setNoDelay(true);
  let received = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
  socket.on('error', () => undefined);
  toClose.push({
    close: async () => {
      socket.destroy();
    },
  });
  return {
    async send(...chunks: (number[] | string)[]): Promise<void> {
      for (const c of chunks) {
        socket.write(typeof c === 'string' ? Buffer.from(c, 'latin1') : Buffer.from(c));
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async until(pred: (b: Buffer) => boolean, ms = 2000): Promise<Buffer> {
      const t0 = Date.now();
      while (!pred(received)) {
        if (Date.now() - t0 > ms) throw new Error(`not received within ${ms} ms: ${JSON.stringify([...received])}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return received;
    },
  };
}

const contains = (b: Buffer, bytes: number[]): boolean => b.indexOf(Buffer.from(bytes)) >= 0;

describe('telnet line server', () => {
  it('hands the handler clean lines and writes replies with CRLF and the prompt', async () => {
    const seen: string[] = [];
    const server: TelnetLineServer = await startTelnetLineServer({
      host: '127.0.0.1',
      port: 0,
      prompt: '>',
      onLine: (line, session) => {
        seen.push(line);
        session.reply(`got ${line}`);
      },
    });
    toClose.push(server);
    const c = await rawClient(server.port);
    await c.until((b) => b.toString('latin1') === '>');
    await c.send([IAC, DO, SGA, IAC, WILL, NAWS, IAC, SB, NAWS, 0, 80, 0, 24, IAC, SE], 'he', 'llo\r', '\n');
    const got = await c.until((b) => b.toString('latin1').endsWith('got hello\r\n>'));
    expect(contains(got, [IAC, WONT, SGA])).toBe(true);
    expect(contains(got, [IAC, DONT, NAWS])).toBe(true);
    expect(seen).toEqual(['hello']);
  });
});

describe("the virtual attenuators cope with a client's negotiation", () => {
  it('Weinschel 8310: negotiation around and inside a command, the reply still right', async () => {
    const server: Weinschel8310Server = await startWeinschel8310Server({ serial: '77' });
    toClose.push(server);
    const c = await rawClient(server.port);
    await c.until((b) => b.toString('latin1') === '>');
    // What a telnet client sends on connecting to port 23, then a command with a NOP in it.
    await c.send([IAC, DO, SGA, IAC, WILL, TTYPE, IAC, WILL, NAWS], [IAC, SB, NAWS, 0, 120, 0, 40, IAC, SE], '*ID', [IAC, NOP], 'N?\r\n');
    const got = await c.until((b) => b.toString('latin1').endsWith('\r\n>'));
    expect(contains(got, [IAC, WONT, SGA])).toBe(true);
    expect(contains(got, [IAC, DONT, TTYPE])).toBe(true);
    expect(contains(got, [IAC, DONT, NAWS])).toBe(true);
    expect(got.toString('latin1').endsWith('Aeroflex Weinschel,8310,77,2.14\r\n>')).toBe(true);
    expect(server.requests.map((r) => r.command)).toEqual(['*IDN?']);
  });

  it('Mini-Circuits telnet: the same, no prompt', async () => {
    const server: MiniCircuitsServer = await startMiniCircuitsServer({ model: 'RCDAT-6000-60', initialDb: 30.25 });
    toClose.push(server);
    const c = await rawClient(server.telnetPort!);
    await c.send([IAC, WILL, TTYPE], [IAC, SB, TTYPE, 0], 'xterm', [IAC, SE], ':A', 'TT?\r\n');
    const got = await c.until((b) => b.toString('latin1').endsWith('\r\n'));
    expect(contains(got, [IAC, DONT, TTYPE])).toBe(true);
    expect(got.subarray(got.length - 7).toString('latin1')).toBe('30.25\r\n');
    expect(server.requests.map((r) => r.command)).toEqual([':ATT?']);
  });
});
