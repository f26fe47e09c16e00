/**
 * A WEP key as a lab writes it in its environment variable: 10 or 26 hex digits (40 or
 * 104 bit; "-" or ":" between byte pairs allowed, as iwconfig takes them), or 5 or 13
 * ASCII characters (optionally written with iwconfig's "s:" prefix). What is wrong is
 * said without the key.
 */
export interface WepKey {
  bits: 40 | 104;
  /** The key bytes, lower-case hex without separators. */
  hex: string;
  /** The argument iwconfig gets: `s:<ascii>` for a plain alphanumeric ASCII key, else the hex digits. */
  iwconfigArg: string;
  /** Every form of the key that could appear in a command line (for redaction). */
  forms: string[];
}

export function parseWepKey(text: string): WepKey | string {
  const t = text.trim();
  const hexDigits = t.replace(/[-:]/g, '');
  if (/^([0-9A-Fa-f]{2}([-:]?))+$/.test(t) && /^[0-9A-Fa-f]+$/.test(hexDigits) && (hexDigits.length === 10 || hexDigits.length === 26)) {
    const hex = hexDigits.toLowerCase();
    return { bits: hex.length === 10 ? 40 : 104, hex, iwconfigArg: hex, forms: [...new Set([t, hex, hexDigits])] };
  }
  const ascii = t.startsWith('s:') ? t.slice(2) : t;
  if (/^[\x20-\x7e]+$/.test(ascii) && (ascii.length === 5 || ascii.length === 13)) {
    const hex = Buffer.from(ascii, 'latin1').toString('hex');
    const plain = /^[A-Za-z0-9]+$/.test(ascii);
    return { bits: ascii.length === 5 ? 40 : 104, hex, iwconfigArg: plain ? `s:${ascii}` : hex, forms: [...new Set([t, ascii, hex])] };
  }
  return `expected a 40-bit key (10 hex digits or 5 ASCII characters) or a 104-bit key (26 hex digits or 13 ASCII characters); got ${t.length} characters`;
}
