/**
 * The virtual radios' channel table: IEEE 802.11 channel number to centre frequency,
 * as the boards' driver knows it. Written from the standard, not shared with the
 * controllers' parser (a mistake in a shared table would cancel out in every test):
 *
 * - 2.4 GHz (IEEE Std 802.11-2007, 18.4.6.2, DSSS/HR-DSSS and ERP): channels 1..13 are
 *   centred at 2407 + 5 × n MHz; channel 14 (Japan, 11b only) at 2484 MHz.
 * - 5 GHz (IEEE Std 802.11-2007, 17.3.8.3.2, OFDM): 5000 + 5 × n MHz.
 *
 * madwifi 0.9.3 computes the same in `ieee80211_ieee2mhz()` (net80211/ieee80211.c),
 * and numbers only the 5 GHz frequencies 5150..5825 MHz as channels
 * (`ieee80211_mhz2ieee()`: channels 30..165). The Atheros 5212 radio of the boards has
 * no other channels, so any other number is not a channel here: `iwconfig ath0
 * channel N` fails on it (SIOCSIWFREQ: Invalid argument), as on the board.
 */

/** The lowest and highest 5 GHz channel madwifi 0.9.3 numbers (5150 and 5825 MHz). */
const FIRST_5GHZ_CHANNEL = 30;
const LAST_5GHZ_CHANNEL = 165;

/** Centre frequency (MHz) of a channel of the boards' radio; null when it has no such channel. */
export function channelFrequencyMHz(channel: number): number | null {
  if (!Number.isInteger(channel)) return null;
  if (channel === 14) return 2484;
  if (channel >= 1 && channel <= 13) return 2407 + 5 * channel;
  if (channel >= FIRST_5GHZ_CHANNEL && channel <= LAST_5GHZ_CHANNEL) return 5000 + 5 * channel;
  return null;
}

/** The same in GHz, as wireless extensions report it to iwconfig; null when the radio has no such channel. */
export function channelFrequencyGHz(channel: number): number | null {
  const mhz = channelFrequencyMHz(channel);
  return mhz === null ? null : mhz / 1000;
}
