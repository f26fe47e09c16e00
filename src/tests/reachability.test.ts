import { describe, expect, it } from 'vitest';
import { probeHost, reachabilityHint } from '../controllers/reachability.ts';

// .ci/run installs iputils-ping: the controller's own ping is what the package runs.
describe('reachability of a board from the controller (the ping package)', () => {
  it('loopback answers ping, and the hint says the board is up but SSH is not answering', async () => {
    expect(await probeHost('127.0.0.1')).toBe('answers');
    expect(await reachabilityHint('127.0.0.1')).toMatch(/127\.0\.0\.1 answers ping: the board is up, its SSH server is not answering/);
  });

});
