/**
 * One error base class with a stable `code`, sorted the way LAVA sorts failures:
 * configuration (exit 2), infrastructure / bench (exit 3). A test failing its
 * thresholds is not an error: it is exit 1, decided by the caller.
 */
export type ErrorKind = 'usage' | 'config' | 'bench';

export const EXIT = {
  passed: 0,
  thresholdFailed: 1,
  usage: 2,
  config: 2,
  bench: 3,
  sigint: 130,
  sigterm: 143,
} as const;

export class RigError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  /** Device, attenuator or inventory path this error is about, when there is one. */
  readonly subject?: string;

  constructor(kind: ErrorKind, code: string, message: string, options?: { subject?: string; cause?: unknown }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'RigError';
    this.kind = kind;
    this.code = code;
    this.subject = options?.subject;
  }

  get exitCode(): number {
    return this.kind === 'bench' ? EXIT.bench : EXIT.config;
  }
}

/** Bad command line. Exit 2. */
export class UsageError extends RigError {
  constructor(message: string, code = 'E_USAGE') {
    super('usage', code, message);
    this.name = 'UsageError';
  }
}

/** Bad inventory or other configuration. Exit 2. The message names the file, YAML path and line. */
export class ConfigError extends RigError {
  constructor(message: string, options?: { code?: string; subject?: string; cause?: unknown }) {
    super('config', options?.code ?? 'E_CONFIG', message, options);
    this.name = 'ConfigError';
  }
}

/** The bench failed: a device unreachable, a command failed, an attenuator not answering. Exit 3. */
export class BenchError extends RigError {
  constructor(message: string, options?: { code?: string; subject?: string; cause?: unknown }) {
    super('bench', options?.code ?? 'E_BENCH', message, options);
    this.name = 'BenchError';
  }
}

/**
 * An error that carries its own exit code and stable code without being a RigError:
 * the virtual rig (rig/) shares no code with src/, so its errors only look alike.
 */
export interface ExitCodedError {
  message: string;
  code: string;
  kind: ErrorKind;
  exitCode: number;
}

export function isExitCodedError(err: unknown): err is ExitCodedError {
  if (err instanceof RigError) return true;
  if (!(err instanceof Error)) return false;
  const e = err as Error & Partial<ExitCodedError>;
  return typeof e.code === 'string' && typeof e.exitCode === 'number' && (e.kind === 'config' || e.kind === 'bench' || e.kind === 'usage');
}

/** Short human text for any thrown value, never a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
