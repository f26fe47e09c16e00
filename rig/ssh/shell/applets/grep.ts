/**
 * busybox 1.4.2 `grep` (findutils/grep.c, with FEATURE_GREP_EGREP_ALIAS): options
 * `-lnqvscFiHhe:f:LorE`; the pattern is a basic regular expression (`-E` extended,
 * `-F` a fixed string, found with strstr(), so `-F` ignores `-i` as 1.4.2 does);
 * several files prefix each line with `FILE:`; `-c` prints `[FILE:]N` even for 0,
 * `-l`/`-L` file names, `-q` nothing and stops at the first match, `-o` the first
 * match of each line, `-n` `N:`. The pattern is compiled at the first line read (an
 * invalid one: `grep: xregcomp: MESSAGE`, exit 1). Exit status: 0 a line was
 * selected, 1 none, 2 a file could not be opened (`grep: F: No such file or
 * directory`, unless `-s`), but 0 with `-q` once something matched. Standard input is
 * read line by line as it arrives, so `ping ... | grep ttl` prints as ping does.
 */
import { die, getopt, showUsage, stdinChunks, type AppletContext } from './busybox.ts';
import { posixToJs, RegexError } from './regex.ts';

export async function grep(argv: string[], ctx: AppletContext): Promise<number> {
  const { io } = ctx;
  const { opts, operands } = getopt('grep', argv.slice(1), 'lnqvscFiHhe:f:LorE', io);
  const has = (o: string): boolean => opts.has(o);
  const patterns = [...(opts.get('e') ?? [])];
  for (const f of opts.get('f') ?? []) {
    const data = ctx.device.readFile(f);
    if (data === undefined) die('grep', io, `${f}: No such file or directory`);
    patterns.push(...data.toString('utf8').split('\n').filter((l, i, a) => i < a.length - 1 || l !== ''));
  }
  const files = [...operands];
  if (patterns.length === 0) {
    if (files.length === 0) showUsage('grep', io);
    patterns.push(files.shift() as string);
  }
  // -c, -q, -l cancel -n (opt_complementary "c-n:q-n:l-n"); -h overrides -H.
  const lineNumbers = has('n') && !has('c') && !has('q') && !has('l');
  let printName = files.length > 1;
  if (has('H')) printName = true;
  if (has('h')) printName = false;
  const invert = has('v');
  const fixed = has('F');

  let regexes: RegExp[] | null = null;
  const compile = (): RegExp[] => {
    try {
      return patterns.map((p) => new RegExp(posixToJs(p, has('E')), has('i') ? 'i' : ''));
    } catch (e) {
      const msg = e instanceof RegexError ? e.message : 'Invalid regular expression';
      die('grep', io, `xregcomp: ${msg}`);
    }
  };
  const match = (line: string): { hit: boolean; part?: string } => {
    if (fixed) {
      const p = patterns.find((x) => line.includes(x));
      return { hit: p !== undefined, part: p };
    }
    regexes ??= compile();
    for (const r of regexes) {
      const m = r.exec(line);
      if (m) return { hit: true, part: m[0] };
    }
    return { hit: false };
  };

  /** grep_file(): the number of selected lines, or -1 to stop (-q / -L found one). */
  const grepLines = async (lines: AsyncIterable<string>, name: string): Promise<number> => {
    let n = 0;
    let count = 0;
    for await (const raw of lines) {
      n++;
      const line = raw.endsWith('\n') ? raw.slice(0, -1) : raw;
      const m = match(line);
      if (m.hit === invert) continue;
      if (has('q') || has('L')) return -1;
      count++;
      if (has('l')) break;
      if (has('c')) continue;
      if (has('o') && invert) continue;
      const text = has('o') ? (m.part ?? '') : line;
      io.stdout.write(`${printName ? `${name}:` : ''}${lineNumbers ? `${n}:` : ''}${text}\n`);
    }
    if (has('c')) io.stdout.write(`${printName ? `${name}:` : ''}${count}\n`);
    if (has('l') && count > 0) io.stdout.write(`${name}\n`);
    if (has('L') && count === 0) io.stdout.write(`${name}\n`);
    return count;
  };

  let matched = 0;
  let openErrors = false;
  for (const f of files.length > 0 ? files : ['-']) {
    let lines: AsyncIterable<string>;
    let name = f;
    if (f === '-') {
      name = '(standard input)';
      lines = textLines(stdinChunks(io));
    } else {
      const data = f === '/dev/null' ? Buffer.alloc(0) : ctx.device.readFile(f);
      if (data === undefined) {
        if (!has('s')) io.stderr.write(`grep: ${f}: No such file or directory\n`);
        openErrors = true;
        continue;
      }
      lines = textLines((async function* () {
        yield data;
      })());
    }
    matched += await grepLines(lines, name);
    if (matched < 0) break;
  }
  if (has('q') && matched !== 0) return 0;
  if (openErrors) return 2;
  return matched === 0 ? 1 : 0;
}

/** Lines (with their "\n") of a byte stream, as they complete. */
async function* textLines(chunks: AsyncIterable<Buffer>): AsyncIterable<string> {
  let rest = Buffer.alloc(0);
  for await (const c of chunks) {
    rest = Buffer.concat([rest, c]);
    let nl: number;
    while ((nl = rest.indexOf(0x0a)) >= 0) {
      yield rest.subarray(0, nl + 1).toString('utf8');
      rest = rest.subarray(nl + 1);
    }
  }
  if (rest.length > 0) yield rest.toString('utf8');
}
