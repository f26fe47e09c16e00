/**
 * IEEE 802.11 channel numbers and centre frequencies, as the controllers read them from
 * iwconfig (madwifi: `Frequency:2.412 GHz`), iw (`freq: 2412`) and write them into
 * configurations (wpa_supplicant's `freq_list`). The virtual rig has its own table
 * (rig/world/channels.ts): the two are written apart on purpose.
 */
/** Frequency (GHz) of a Wi-Fi channel: 2.4 GHz channels 1..14, 5 GHz 34..180 and 4.9 GHz 182..196. */
export function channelToFrequencyGHz(ch: number): number {
  if (!Number.isInteger(ch)) throw new RangeError(`not a Wi-Fi channel: ${ch}`);
  let mhz: number;
  if (ch >= 1 && ch <= 13) mhz = 2407 + 5 * ch;
  else if (ch === 14) mhz = 2484;
  else if (ch >= 34 && ch <= 180) mhz = 5000 + 5 * ch;
  else if (ch >= 182 && ch <= 196) mhz = 4000 + 5 * ch;
  else throw new RangeError(`not a Wi-Fi channel: ${ch}`);
  return mhz / 1000;
}

/** Channel of a frequency (GHz); null when it is not a Wi-Fi channel centre. */
export function frequencyGHzToChannel(frequencyGHz: number): number | null {
  if (!Number.isFinite(frequencyGHz)) return null;
  const mhz = Math.round(frequencyGHz * 1000);
  if (Math.abs(frequencyGHz * 1000 - mhz) > 1e-3) return null;
  if (mhz === 2484) return 14;
  if (mhz >= 2412 && mhz <= 2472 && (mhz - 2407) % 5 === 0) return (mhz - 2407) / 5;
  if (mhz >= 5170 && mhz <= 5900 && mhz % 5 === 0) return (mhz - 5000) / 5;
  if (mhz >= 4910 && mhz <= 4980 && mhz % 5 === 0) return (mhz - 4000) / 5;
  return null;
}
