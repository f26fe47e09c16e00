/**
 * Connecting to a board: attempts (connect-attempt.ts) retried with exponential
 * backoff by p-retry (100 ms doubling to 2 s) until `connectDeadlineMs`, which bounds
 * all attempts together; each attempt has its own handshake timeout, never beyond the
 * deadline. Failures a retry cannot fix (host key, algorithms, authentication,
 * configuration) end it at once; running out of time is E_CONNECT with the last cause.
 * Also the one-shot key scan of `rig trust`.
 */
import { performance } from 'node:perf_hooks';
import pRetry, { AbortError } from 'p-retry';
import type { Algorithms } from 'ssh2';
import { BenchError, ConfigError } from '../../errors.ts';
import { causeText } from './cause-text.ts';
import { connectOnce, type AttemptResult } from './connect-attempt.ts';
import type { SshConnectOptions } from './connect-options.ts';
import { hostKeyPolicy, scanPolicy, type PresentedHostKey } from './host-key-policy.ts';

/** Where to take a host key from (`rig trust`). */
export interface ScanOptions {
  name: string;
  host: string;
  port: number;
  timeoutMs: number;
  /** As for connect(): an old board needs its old algorithms to get as far as its key. */
  algorithms?: Algorithms;
}

/** A logged-in connection. */
export type Connection = AttemptResult & { client: NonNullable<AttemptResult['client']> };

function loggedIn(r: AttemptResult): r is Connection {
  return r.client !== null;
}

const BACKOFF = { minTimeout: 100, factor: 2, maxTimeout: 2000 } as const;
const DEFAULT_ATTEMPT_TIMEOUT_MS = 5000;

/** p-retry's wait after the failure that had `retriesConsumed` retries before it (its calculateDelay, without randomize). */
function backoffMs(retriesConsumed: number): number {
  return Math.min(Math.round(BACKOFF.minTimeout * BACKOFF.factor ** retriesConsumed), BACKOFF.maxTimeout);
}

/**
 * A failure that another attempt may fix. p-retry never retries a TypeError, and a
 * socket's failure need not be an Error at all: wrapping keeps every such cause retried.
 */
class RetryableFailure extends Error {
  constructor(readonly failure: unknown) {
    super(causeText(failure));
  }
}

function checkEndpoint(opts: { name: string; port: number }): void {
  if (!Number.isInteger(opts.port) || opts.port <= 0 || opts.port > 65535) {
    throw new ConfigError(`${opts.name}: bad SSH port ${opts.port}`, { subject: opts.name });
  }
}

/** Connect and log in, retrying until the deadline. */
export async function connectWithRetry(opts: SshConnectOptions): Promise<Connection> {
  const { name, host, port } = opts;
  checkEndpoint(opts);
  if (!(opts.connectDeadlineMs > 0)) {
    throw new ConfigError(`${name}: connectDeadlineMs must be positive`, { subject: name });
  }
  const policy = hostKeyPolicy(opts);
  const log = opts.log ?? (() => {});
  const started = performance.now();
  const deadline = started + opts.connectDeadlineMs;
  let attempts = 0;
  let lastCause: unknown;

  const attempt = async (): Promise<Connection> => {
    const remaining = deadline - performance.now();
    // p-retry shortens the last wait to the time left and then tries again: by then the deadline has passed.
    if (attempts > 0 && remaining <= 0) throw new AbortError(new RetryableFailure(lastCause));
    attempts++;
    try {
      const result = await connectOnce(opts, policy, Math.max(1, Math.min(opts.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS, remaining)));
      if (loggedIn(result)) return result;
    } catch (err) {
      // Retrying cannot fix a host key, algorithm, authentication or configuration failure.
      if (err instanceof BenchError || err instanceof ConfigError) throw new AbortError(err);
      lastCause = err;
      throw new RetryableFailure(err);
    }
    // Only a scan policy stops before login; hostKeyPolicy() never does.
    throw new AbortError(new BenchError(`${name}: ${host}:${port} hung up before login`, { code: 'E_CONNECT', subject: name }));
  };

  try {
    const conn = await pRetry(attempt, {
      ...BACKOFF,
      retries: Infinity,
      maxRetryTime: opts.connectDeadlineMs,
      onFailedAttempt: ({ retriesConsumed }) => {
        const left = deadline - performance.now();
        if (left <= 0) return;
        const wait = Math.round(Math.min(backoffMs(retriesConsumed), left));
        log(`${name}: attempt ${attempts} to ${host}:${port} failed (${causeText(lastCause)}), retrying in ${wait} ms`);
      },
    });
    const n = conn.negotiated;
    const algos = n ? `; ${n.kex}, ${n.serverHostKey}, ${n.cipher}${n.mac ? `, ${n.mac}` : ''}` : '';
    log(`${name}: connected to ${host}:${port} (attempt ${attempts}, ${Math.round(performance.now() - started)} ms${algos})`);
    return conn;
  } catch (err) {
    if (!(err instanceof RetryableFailure)) throw err;
    throw new BenchError(
      `${name}: cannot connect to ${host}:${port} within ${opts.connectDeadlineMs} ms ` +
        `(${attempts} attempt${attempts === 1 ? '' : 's'}): ${causeText(lastCause)}`,
      { code: 'E_CONNECT', subject: name, cause: lastCause },
    );
  }
}

/**
 * Connect once, like `ssh-keyscan`: take the host key the server presents and hang up
 * before authenticating (no credentials needed or sent). For `rig trust`.
 * `algorithms` as for connect() (an old board needs its old algorithms to get that far).
 */
export async function scanHostKey(opts: ScanOptions): Promise<PresentedHostKey> {
  checkEndpoint(opts);
  const cfg: SshConnectOptions = { ...opts, username: 'rig-trust', auth: { password: '' }, connectDeadlineMs: opts.timeoutMs };
  try {
    const { hostKey } = await connectOnce(cfg, scanPolicy(opts.algorithms), opts.timeoutMs);
    return hostKey;
  } catch (err) {
    if (err instanceof BenchError || err instanceof ConfigError) throw err;
    throw new BenchError(`${opts.name}: cannot reach ${opts.host}:${opts.port}: ${causeText(err)}`, {
      code: 'E_CONNECT',
      subject: opts.name,
      cause: err,
    });
  }
}
