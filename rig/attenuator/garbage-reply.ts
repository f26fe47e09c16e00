/**
 * What a virtual unit under the `garbage` fault answers: 8 to 23 random bytes that
 * no reply of any attenuator protocol starts with (the first byte has its high bit
 * set), without CR or LF (a line-oriented client sees exactly one bad line) and
 * without 255 (telnet's IAC: the unit answers nonsense, it does not negotiate).
 */
import { randomBytes } from 'node:crypto';

export function garbageReply(): Buffer {
  const body = randomBytes(8 + Math.floor(Math.random() * 16));
  for (let i = 0; i < body.length; i++) {
    if (body[i] === 0x0a || body[i] === 0x0d || body[i] === 0xff) body[i] = 0x7e;
  }
  body[0] = 0x80 | (body[0] & 0x7f);
  if (body[0] === 0xff) body[0] = 0xfe;
  return body;
}
