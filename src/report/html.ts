import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { escapeHtml, jsonForScript, scriptForHtml } from './escape.ts';

const here = new URL('./client/', import.meta.url);
const require = createRequire(import.meta.url);

export type PageKind = 'report' | 'index' | 'merged';

/** Each kind of page's entry point in client/. */
const ENTRY: Record<PageKind, string> = { report: 'report.ts', index: 'index-page.ts', merged: 'merged-page.ts' };

/** What a reader without JavaScript is told. */
const NOSCRIPT: Record<PageKind, string> = {
  report: 'This report draws itself with JavaScript (inline, nothing is fetched). Without it: summary.json, roams.csv and junit.xml in the same folder hold the figures.',
  index: 'This report draws itself with JavaScript (inline, nothing is fetched). Without it: summary.json, roams.csv and junit.xml in the same folder hold the figures.',
  merged: 'This report draws itself with JavaScript (inline, nothing is fetched). Without it: merged.json in the same folder holds the figures, and each run folder its own.',
};

const bundles = new Map<PageKind, string>();

/**
 * The page's script: client/<kind>.ts bundled with uPlot by esbuild into one
 * IIFE, once per process (about 30 ms), then reused for every report.
 */
export function clientScript(kind: PageKind): string {
  let code = bundles.get(kind);
  if (code === undefined) {
    const entry = new URL(ENTRY[kind], here);
    const out = buildSync({
      entryPoints: [fileURLToPath(entry)],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2020',
      minify: true,
      write: false,
      legalComments: 'inline',
      banner: { js: `/*! uPlot ${uplotVersion()} (c) Leon Sorokin, MIT License. rig report page, MIT License. */` },
      logLevel: 'silent',
    });
    code = scriptForHtml(out.outputFiles[0].text);
    bundles.set(kind, code);
  }
  return code;
}

function uplotVersion(): string {
  return (JSON.parse(readFileSync(require.resolve('uplot/package.json'), 'utf8')) as { version: string }).version;
}

let css: string | null = null;
function styles(): string {
  css ??= readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8') + '\n' + readFileSync(new URL('report.css', here), 'utf8');
  return css.replace(/<\/style/gi, '<\\/style');
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('base64');

/**
 * One self-contained page: style, data and script inline. The Content
 * Security Policy allows exactly this page's own script (by hash) and nothing
 * from anywhere: no fetch, no image, no frame. So even a string that somehow
 * became markup could neither run (no inline handlers, no other scripts) nor
 * call home.
 */
export function renderPage(kind: PageKind, title: string, data: unknown): string {
  const script = clientScript(kind);
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${sha256(script)}'`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "connect-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${styles()}</style>
</head>
<body>
<noscript><p style="padding:1em">${escapeHtml(NOSCRIPT[kind])}</p></noscript>
<div id="app"></div>
<script type="application/json" id="rig-data">${jsonForScript(data)}</script>
<script>${script}</script>
</body>
</html>
`;
}
