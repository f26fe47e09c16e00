import ping from 'ping';

/** Whether a host answers ICMP echo from the controller: `unknown` when this machine has no usable ping. */
export type Reachability = 'answers' | 'silent' | 'unknown';

/**
 * Ask the controller's own ping (the `ping` package runs the system ping) whether a
 * board's management address is up at all. Used to explain a failed SSH connection:
 * up but refusing SSH is a different problem from a board that is gone.
 */
export async function probeHost(host: string, timeoutS = 2): Promise<Reachability> {
  try {
    const r = await ping.promise.probe(host, { timeout: timeoutS, min_reply: 1 });
    return r.alive ? 'answers' : 'silent';
  } catch {
    return 'unknown';
  }
}

/** A sentence to add to a connection error, or '' when the controller cannot tell. */
export async function reachabilityHint(host: string): Promise<string> {
  const r = await probeHost(host);
  if (r === 'answers') return ` (${host} answers ping: the board is up, its SSH server is not answering)`;
  if (r === 'silent') return ` (${host} does not answer ping either: is the board powered and on the management network?)`;
  return '';
}
