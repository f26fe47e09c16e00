/**
 * Colour on the command line: only on a terminal, and never when the environment says no.
 * The decision is Node's `tty.WriteStream.hasColors()`, which honours NO_COLOR
 * (https://no-color.org), NODE_DISABLE_COLORS, FORCE_COLOR and TERM=dumb; the escape
 * codes are picocolors'. Pipes, files and CI logs get plain text.
 */
import pc from 'picocolors';

export type Paint = ReturnType<typeof pc.createColors>;

export function paintFor(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): Paint {
  const s = stream as Partial<NodeJS.WriteStream>;
  return pc.createColors(s.isTTY === true && typeof s.hasColors === 'function' && s.hasColors(env));
}
