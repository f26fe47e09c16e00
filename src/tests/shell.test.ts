import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shellCommand, shellQuote } from '../controllers/ssh/quote.ts';
import { runCommandLine, type ShellState } from '../../rig/ssh/shell.ts';
import type { ProcessIO, VirtualDevice } from '../../rig/ssh/types.ts';

/** A test-only device that records every argv it is asked to run. */
class RecordingDevice implements VirtualDevice {
  readonly name = 'testdev';
  readonly calls: string[][] = [];
  readonly files = new Map<string, Buffer>();
  /** Commands this device implements itself among cat / rm / sleep. */
  readonly overrides = new Set<string>();

  async run(argv: string[], io: ProcessIO): Promise<number> {
    this.calls.push(argv);
    const [cmd, ...args] = argv;
    switch (cmd) {
      case 'args':
        io.stdout.write(JSON.stringify(args) + '\n');
        return 0;
      case 'fail':
        io.stdout.write('partial\n');
        io.stderr.write('failing\n');
        return 3;
      case 'upper':
        io.stdout.write((await io.readStdin()).toString('utf8').toUpperCase());
        return 0;
      case 'count':
        io.stdout.write(`${(await io.readStdin()).length}\n`);
        return 0;
      case 'hang':
        await new Promise((resolve) => io.abort.addEventListener('abort', resolve));
        return 99;
      case 'stubborn':
        // Ignores signals and abort: never ends by itself.
        return new Promise<number>(() => {});
      case 'sig':
        return new Promise<number>((resolve) => {
          io.onSignal((name) => {
            io.stdout.write(`got ${name}\n`);
            resolve(0);
          });
          io.stdout.write('ready\n');
        });
      case 'sleep':
        if (this.overrides.has('sleep')) {
          io.stdout.write(`device sleep ${args.join(' ')}\n`);
          return 0;
        }
        break;
      case 'cat':
        if (this.overrides.has('cat')) {
          io.stdout.write('device cat\n');
          return 0;
        }
        break;
    }
    io.stderr.write(`sh: ${cmd}: not found\n`);
    return 127;
  }

  readFile(path: string): Buffer | undefined {
    return this.files.get(path);
  }

  writeFile(path: string, data: Buffer, append = false): void {
    const old = append ? (this.files.get(path) ?? Buffer.alloc(0)) : Buffer.alloc(0);
    this.files.set(path, Buffer.concat([old, data]));
  }

  removeFile(path: string): void {
    this.files.delete(path);
  }

  /** argv lists other than the harmless ones a test used on purpose. */
  commandsRun(): string[] {
    return this.calls.map((c) => c[0]);
  }
}

interface Run {
  status: number;
  out: string;
  err: string;
}

function makeIo(stdin = '', controller = new AbortController()) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const listeners: ((n: string) => void)[] = [];
  const io: ProcessIO = {
    stdout: { write: (d) => out.push(Buffer.from(d)) },
    stderr: { write: (d) => err.push(Buffer.from(d)) },
    readStdin: async () => Buffer.from(stdin),
    onSignal: (l) => listeners.push(l),
    abort: controller.signal,
  };
  return {
    io,
    controller,
    signal: (name: string) => listeners.forEach((l) => l(name)),
    out: () => Buffer.concat(out).toString('utf8'),
    err: () => Buffer.concat(err).toString('utf8'),
  };
}

async function run(line: string, dev = new RecordingDevice(), stdin = '', state?: ShellState): Promise<Run> {
  const h = makeIo(stdin);
  const status = await runCommandLine(line, dev, h.io, state);
  return { status, out: h.out(), err: h.err() };
}

describe('shell: words and quoting', { timeout: 15_000 }, () => {
  it('splits words with single quotes, double quotes and backslashes', async () => {
    const dev = new RecordingDevice();
    const r = await run(`args 'a b'  "c \\"d\\" \\\\ \\$x" e\\ f '' "" x'y'"z" 'it'\\''s'`, dev);
    expect(r.status).toBe(0);
    expect(dev.calls).toEqual([['args', 'a b', 'c "d" \\ $x', 'e f', '', '', 'xyz', "it's"]]);
  });

  it('keeps newlines inside quotes and treats unquoted newlines as ";"', async () => {
    const dev = new RecordingDevice();
    const r = await run("args 'one\ntwo'\necho three\n\necho four", dev);
    expect(dev.calls).toEqual([['args', 'one\ntwo']]);
    expect(r.out).toBe('["one\\ntwo"]\nthree\nfour\n');
  });

  it('has no globbing; a leading ~ is HOME, a lone $ is literal; comments are ignored', async () => {
    const dev = new RecordingDevice();
    await run('args * ~ a#b x$ # a comment; reboot', dev);
    // XCU 2.6.1: an unquoted leading ~ is $HOME (dropbear's session sets HOME=/root); no pathname expansion here.
    expect(dev.calls).toEqual([['args', '*', '/root', 'a#b', 'x$']]);
    const v = await run('echo $HOME', dev);
    expect(v).toEqual({ status: 0, out: '/root\n', err: '' });
  });

  it('echo and echo -n', async () => {
    expect((await run('echo a   b; echo -n c; echo d')).out).toBe('a b\ncd\n');
  });

  it('reports an unterminated quote as a syntax error and runs nothing', async () => {
    const dev = new RecordingDevice();
    const r = await run("args ok; args 'oops", dev);
    expect(r.status).toBe(2);
    // busybox 1.4.2 ash.c readtoken1(): synerror("Unterminated quoted string").
    expect(r.err).toBe('sh: Syntax error: Unterminated quoted string\n');
    expect(dev.calls).toEqual([]);
  });
});

describe('shell: lists, pipes and $?', { timeout: 15_000 }, () => {
  it(';, && and ||', async () => {
    const r = await run('false && echo no1; true && echo yes; false || echo alt; true || echo no2');
    expect(r.out).toBe('yes\nalt\n');
    expect(r.status).toBe(0);
  });

  it('$? unquoted and inside double quotes, not inside single quotes', async () => {
    const r = await run(`fail; echo $? "[$?]" '$?'; false; echo "$?"`);
    expect(r.out).toBe('partial\n3 [3] $?\n1\n');
  });

  it('the status of a line is the status of its last pipeline', async () => {
    expect((await run('true; fail')).status).toBe(3);
    expect((await run('fail || true')).status).toBe(0);
    expect((await run('nosuch')).status).toBe(127);
  });

  it('pipes buffer the left side and feed the right side', async () => {
    const r = await run('echo hello | upper; echo abc | cat | cat - | upper; false | true; echo $?');
    expect(r.out).toBe('HELLO\nABC\n0\n');
    const s = await run('fail | upper');
    expect(s.out).toBe('PARTIAL\n');
    expect(s.err).toBe('failing\n');
  });

  it('only the first reader gets the line stdin', async () => {
    const r = await run('count; count', new RecordingDevice(), 'abcd');
    expect(r.out).toBe('4\n0\n');
  });

  it('exit ends the line; inside sh -c and pipelines only the child', async () => {
    const r = await run('echo a; exit 5; echo no');
    expect(r).toEqual({ status: 5, out: 'a\n', err: '' });
    const s = await run(`sh -c 'echo in; exit 4; echo no'; echo "after $?"; exit | echo piped; echo end`);
    expect(s.out).toBe('in\nafter 4\npiped\nend\n');
    expect((await run('fail; exit')).status).toBe(3);
    const state: ShellState = { lastStatus: 0 };
    await run('exit 7', new RecordingDevice(), '', state);
    expect(state).toEqual({ lastStatus: 7, exited: true });
  });

  it('sh runs a script from -c, from a file and from stdin', async () => {
    const dev = new RecordingDevice();
    dev.files.set('/tmp/s.sh', Buffer.from('echo from file\nfalse\n'));
    const r = await run(`sh -c 'echo "x y"'; sh /tmp/s.sh; echo $?; echo 'echo from stdin' | sh`, dev);
    expect(r.out).toBe('x y\nfrom file\n1\nfrom stdin\n');
  });
});

describe('shell: redirections', { timeout: 15_000 }, () => {
  it('> and >> write device files, < and cat read them', async () => {
    const dev = new RecordingDevice();
    const r = await run('echo one > /tmp/f; echo two >>/tmp/f; cat /tmp/f; upper < /tmp/f; cat < /tmp/f | upper', dev);
    expect(r.out).toBe('one\ntwo\nONE\nTWO\nONE\nTWO\n');
    expect(dev.files.get('/tmp/f')?.toString()).toBe('one\ntwo\n');
    await run('echo three > /tmp/f', dev);
    expect(dev.files.get('/tmp/f')?.toString()).toBe('three\n');
  });

  it('2>, 2>&1, >&2 and their order', async () => {
    const dev = new RecordingDevice();
    const a = await run('fail 2> /tmp/e; cat /tmp/e', dev);
    expect(a.out).toBe('partial\nfailing\n');
    expect(a.err).toBe('');
    const b = await run('fail 2>&1 | upper', dev);
    expect(b.out).toBe('PARTIAL\nFAILING\n');
    const c = await run('echo oops >&2; echo x 1>&2', dev);
    expect(c).toEqual({ status: 0, out: '', err: 'oops\nx\n' });
    const d = await run('fail > /tmp/both 2>&1; fail 2>&1 > /tmp/only', dev);
    expect(dev.files.get('/tmp/both')?.toString()).toBe('partial\nfailing\n');
    expect(dev.files.get('/tmp/only')?.toString()).toBe('partial\n');
    // `2>&1 >f`: stderr goes where stdout went before the redirection.
    expect(d).toEqual({ status: 3, out: 'failing\n', err: '' });
  });

  it('/dev/null discards and is never written to the device', async () => {
    const dev = new RecordingDevice();
    const r = await run('echo gone > /dev/null; fail >/dev/null 2>/dev/null; cat /dev/null; upper < /dev/null; echo $?', dev);
    expect(r).toEqual({ status: 0, out: '0\n', err: '' });
    expect(dev.files.has('/dev/null')).toBe(false);
  });

  it('a missing input file fails the command, not the line', async () => {
    const dev = new RecordingDevice();
    const r = await run('upper < /nope; echo $?', dev);
    // busybox 1.4.2 ash.c: redirectsafe() makes it status 2, openredirect() says "cannot open %s: No such file".
    expect(r.out).toBe('2\n');
    expect(r.err).toBe('sh: cannot open /nope: No such file\n');
    expect(dev.commandsRun()).toEqual([]);
  });

  it('refuses file descriptors other than 0, 1, 2', async () => {
    const dev = new RecordingDevice();
    const r = await run('args x 3> /tmp/x', dev);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/^sh: Syntax error: /);
    expect(dev.calls).toEqual([]);
  });
});

describe('shell: builtins', { timeout: 15_000 }, () => {
  it('test and [', async () => {
    const dev = new RecordingDevice();
    dev.files.set('/etc/x', Buffer.from('1'));
    const r = await run(
      '[ -f /etc/x ] && echo a; test -f /nope || echo b; [ ! -f /nope ] && echo c; [ "$?" = 0 ] && echo d; [ 3 -gt 2 ] && echo e; [ -z "" ] && echo f',
      dev,
    );
    expect(r.out).toBe('a\nb\nc\nd\ne\nf\n');
    const m = await run('[ -f /etc/x', dev);
    expect(m.status).toBe(2);
    // busybox 1.4.2 coreutils/test.c: bb_error_msg("missing ]"), prefixed with the shell's applet name.
    expect(m.err).toBe('sh: missing ]\n');
  });

  it('cat of several files, stdin with -, a missing file', async () => {
    const dev = new RecordingDevice();
    dev.files.set('/a', Buffer.from('A\n'));
    const r = await run('cat /a - /missing /a', dev, 'IN\n');
    expect(r.out).toBe('A\nIN\nA\n');
    // busybox 1.4.2 libbb/wfopen.c: bb_perror_msg("%s", path).
    expect(r.err).toBe('cat: /missing: No such file or directory\n');
    expect(r.status).toBe(1);
  });

  it('rm -f removes files and ignores missing ones', async () => {
    const dev = new RecordingDevice();
    dev.files.set('/tmp/x', Buffer.from('x'));
    expect((await run('rm -f /tmp/x /tmp/none', dev)).status).toBe(0);
    expect(dev.files.has('/tmp/x')).toBe(false);
    const r = await run('rm /tmp/none', dev);
    expect(r.status).toBe(1);
  });

  it('cat, sleep and rm are asked of the device first; its "not found" falls back to the builtin silently', async () => {
    const dev = new RecordingDevice();
    dev.files.set('/a', Buffer.from('A\n'));
    const plain = await run('cat /a; sleep 0.01', dev);
    expect(plain).toEqual({ status: 0, out: 'A\n', err: '' });
    dev.overrides.add('sleep');
    dev.overrides.add('cat');
    const over = await run('cat /a; sleep 100', dev);
    expect(over.out).toBe('device cat\ndevice sleep 100\n');
  });

  it('sleep is real and abortable', async () => {
    const t0 = Date.now();
    await run('sleep 0.1');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    const h = makeIo();
    const p = runCommandLine('sleep 30; echo never', new RecordingDevice(), h.io);
    setTimeout(() => h.controller.abort(), 50);
    const t1 = Date.now();
    await p;
    expect(Date.now() - t1).toBeLessThan(2000);
    expect(h.out()).toBe('');
  });

  it('unknown commands go to the device (127, its message)', async () => {
    const r = await run('frobnicate --now');
    expect(r).toEqual({ status: 127, out: '', err: 'sh: frobnicate: not found\n' });
  });
});

describe('shell: signals and abort', { timeout: 15_000 }, () => {
  it('a command without a signal listener dies of it, and so does the line', async () => {
    const h = makeIo();
    const p = runCommandLine('sleep 30; echo after', new RecordingDevice(), h.io);
    setTimeout(() => h.signal('INT'), 30);
    expect(await p).toBe(130);
    expect(h.out()).toBe('');
  });

  it('a command that handles the signal decides its status; the line goes on', async () => {
    const h = makeIo();
    const p = runCommandLine('sig; echo after $?', new RecordingDevice(), h.io);
    await new Promise((r) => setTimeout(r, 30));
    h.signal('INT');
    expect(await p).toBe(0);
    expect(h.out()).toBe('ready\ngot INT\nafter 0\n');
  });

  it('KILL ends even a command that ignores everything; its later output is dropped', async () => {
    const h = makeIo();
    const p = runCommandLine('stubborn; echo after', new RecordingDevice(), h.io);
    setTimeout(() => h.signal('KILL'), 30);
    expect(await p).toBe(137);
    expect(h.out()).toBe('');
  });

  it('abort ends a line whose command ignores abort', async () => {
    const h = makeIo();
    const p = runCommandLine('stubborn', new RecordingDevice(), h.io);
    setTimeout(() => h.controller.abort(), 30);
    expect(await p).toBe(129);
  });
});

describe('shell: hostile strings never become commands', { timeout: 15_000 }, () => {
  const hostile = [
    '$(reboot)',
    '`reboot`',
    "'; reboot; '",
    '"; reboot; "',
    '; reboot',
    '&& reboot',
    '|| reboot',
    '| reboot',
    '> /etc/passwd',
    '\nreboot\n',
    '\\',
    "it's",
    '$?',
    '${IFS}reboot',
    "a'b\"c`d$e\\f",
    '',
  ];

  it('command substitution is a syntax error, quoted or not, and nothing runs', async () => {
    for (const line of ['args $(reboot)', 'args "$(reboot)"', 'args `reboot`', 'args "`reboot`"', 'echo ok; args x$(reboot)y']) {
      const dev = new RecordingDevice();
      const r = await run(line, dev);
      expect(r.status, line).toBe(2);
      expect(r.err, line).toBe('sh: Syntax error: command substitution not supported\n');
      expect(r.out, line).toBe('');
      expect(dev.calls, line).toEqual([]);
    }
  });

  it('single-quoted hostile text stays one argument', async () => {
    const dev = new RecordingDevice();
    await run(`args '; reboot; ' '$(reboot)' '\`reboot\`' "'; reboot; '"`, dev);
    expect(dev.calls).toEqual([['args', '; reboot; ', '$(reboot)', '`reboot`', "'; reboot; '"]]);
  });

  it('& and ( ) are operators unquoted, plain characters quoted', async () => {
    const dev = new RecordingDevice();
    await run(`args 'x & reboot' '(reboot)' "a&b" \\&`, dev);
    expect(dev.calls).toEqual([['args', 'x & reboot', '(reboot)', 'a&b', '&']]);
    const r = await run('args (reboot)', new RecordingDevice());
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/^sh: Syntax error: /);
  });

  it('shellCommand round-trips hostile arguments exactly', async () => {
    const dev = new RecordingDevice();
    await run(shellCommand(['args', ...hostile]), dev);
    expect(dev.calls).toEqual([['args', ...hostile]]);
  });

  it('shellCommand round-trips any NUL-free strings (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0')), { maxLength: 6 }), async (args) => {
        const dev = new RecordingDevice();
        const r = await run(shellCommand(['args', ...args]), dev);
        expect(r.status).toBe(0);
        expect(dev.calls).toEqual([['args', ...args]]);
      }),
      { numRuns: 300 },
    );
  });

  it('shellQuote leaves safe words bare and rejects NUL', () => {
    expect(shellQuote('ath0')).toBe('ath0');
    expect(shellQuote('-i')).toBe('-i');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('a b\nc')).toBe("'a b\nc'");
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
    expect(shellCommand(['iwconfig', 'ath0', 'essid', 'my net'])).toBe("iwconfig ath0 essid 'my net'");
  });
});
