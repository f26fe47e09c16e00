import { expect } from 'vitest';
import { BenchError } from '../../errors.ts';

/** `x` must fail with a BenchError: its code and message (`E_CODE: message`). */
export async function benchFailure(x: Promise<unknown>): Promise<string> {
  try {
    await x;
  } catch (e) {
    expect(e).toBeInstanceOf(BenchError);
    return (e as BenchError).code + ': ' + (e as Error).message;
  }
  throw new Error('expected a failure');
}
