import type { Random } from './random.ts';

/** Noise floor the Atheros radios report (dBm). */
export const NOISE_FLOOR_DBM = -95;
/** Below this a beacon is not received at all (dBm). */
export const SENSITIVITY_DBM = -92;

export interface RfPath {
  txPowerDbm: number;
  fixedLossDb: number;
  attenuationDb: number;
}

/**
 * Signal the client receives from one AP: tx power - fixed path loss (cables,
 * splitters, combiner) - programmable attenuation, plus ~1 dB of fading noise
 * per sample.
 */
export function sampleSignalDbm(path: RfPath, rnd: Random): number {
  return path.txPowerDbm - path.fixedLossDb - path.attenuationDb + rnd.normal(0, 1);
}

/** madwifi's RSSI: dB above the noise floor, as used by the roam thresholds (rssi11g etc.). */
export function rssiOf(signalDbm: number): number {
  return Math.max(0, Math.round(signalDbm - NOISE_FLOOR_DBM));
}

/** Scan cache averaging: net80211 RSSI_LPF over RSSI_LPF_LEN = 10 samples. */
export function rssiLpf(avg: number | undefined, sample: number): number {
  return avg === undefined ? sample : (avg * 9 + sample) / 10;
}
