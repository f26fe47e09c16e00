/**
 * Reading the command line a CI template runs: the GitHub Actions expressions it uses
 * (`${{ matrix.bench }}`, `${{ inputs.count || 100 }}`), and the line split into words
 * as a shell (or systemd's ExecStart) would, variables expanded. Anything beyond ONE
 * simple command (`;`, `&&`, pipes, redirections, command substitution) is refused.
 */

/** What GitHub's contexts hold when the workflow runs: inputs are empty on a schedule. */
export interface GithubContexts {
  matrix: Record<string, string>;
  inputs: Record<string, string | number | undefined>;
  secrets: Record<string, string>;
}

/** `${{ ctx.key }}` and `${{ ctx.key || 'literal' }}` / `|| 123`; any other expression throws. */
export function evalGithubExpressions(value: string, ctx: GithubContexts): string {
  return value.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_all, expr: string) => {
    const m = /^(matrix|inputs|secrets)\.([A-Za-z_][A-Za-z0-9_-]*)(?:\s*\|\|\s*(?:'([^']*)'|(\d+)))?$/.exec(expr);
    if (!m) throw new Error(`unsupported expression in the template: ${expr}`);
    const [, context, key, text, num] = m;
    const v = (ctx[context as keyof GithubContexts] as Record<string, unknown>)[key];
    if (v !== undefined && v !== null && v !== '') return String(v);
    return text ?? num ?? '';
  });
}

/** Split one command line into words, expanding $NAME and ${NAME} from `env` (an unset one throws). */
export function shellWords(line: string, env: Record<string, string>): string[] {
  if (/[;&|<>`\n]|\$\(/.test(line)) throw new Error(`not ONE simple command: ${line}`);
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
      continue;
    }
    if (c === '"' || (c === "'" && quote === null)) {
      quote = quote === c ? null : (c as '"' | "'");
      inWord = true;
      continue;
    }
    if (c === '$') {
      const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(line.slice(i));
      if (!m) throw new Error(`unsupported $ at ${i}: ${line}`);
      const name = m[1] ?? m[2];
      if (!Object.hasOwn(env, name)) throw new Error(`${name} is not set for: ${line}`);
      word += env[name];
      inWord = true;
      i += m[0].length - 1;
      continue;
    }
    if (c === '\\') throw new Error(`backslash escapes are not supported: ${line}`);
    if (/\s/.test(c) && quote === null) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    word += c;
    inWord = true;
  }
  if (quote !== null) throw new Error(`unclosed quote: ${line}`);
  if (inWord) words.push(word);
  return words;
}
