/**
 * What a run writes, as zod schemas: the single definition of the run folder's
 * records (docs/roam-cycle.md lists what each field means). The writer validates
 * against them; the reader (read.ts) is tolerant of what a crash or an older rig
 * left behind and fills neutral values.
 *
 * The run folder, one file each:
 *   run.json          RunPlan         written first, whole (what `--resume` continues)
 *   roams.jsonl       RoamRecord      one line per roam, appended and fsync'ed as it ends
 *   timeline.jsonl    TimelineSample  attenuation and signal per ramp step
 *   summary.json      RunSummary      written whole at the end
 *   ping.log, events.log, recovery.log, ground-truth.jsonl, console-<device>.log: raw logs
 */
import { z } from 'zod';

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const nullableNumber = finite.nullable();
const numberMap = z.record(z.string(), finite);

/** Where a roam's times come from: the ping's own -D stamps, arrival at the rig, or nowhere. */
export const TimestampSourceSchema = z.enum(['ping', 'arrival', 'none']);

/** A kernel oops, panic or watchdog a device's serial console printed during a roam (or its recovery). */
export const KernelEventRecordSchema = z.object({
  device: z.string(),
  kind: z.enum(['oops', 'panic', 'watchdog']),
  /** One line: `Unable to handle kernel paging request at virtual address 0000000c`. */
  title: z.string(),
  /** Where it faulted (`ath_tx_start+0x3c8/0x1790`), when the text says. */
  where: z.string().nullable(),
  module: z.string().nullable(),
  /** The console's text of it, as printed. */
  text: z.string(),
});
export type KernelEventRecord = z.infer<typeof KernelEventRecordSchema>;

/** One roam, as measured by the rig (one line of roams.jsonl). */
export const RoamRecordSchema = z.object({
  index: z.number().int().positive(),
  /** Firmware variant of this part of the run. */
  variant: z.string(),
  /** What made the client move (`crossfade`, `station-command`, ...); absent in runs older than triggers (all crossfades). */
  trigger: z.string().optional(),
  /** The variant each device really ran (read from the loaded modules). */
  firmware: z.record(z.string(), z.string()).optional(),
  direction: z.string(), // "ap1->ap2"
  fromAp: z.string(),
  toAp: z.string(),
  fromBssid: z.string(),
  toBssid: z.string().nullable(),
  /** Bench (board) time the trigger started, epoch ms. */
  tStart: finite,
  /** Board time of the all-zero BSSID event (left the old AP); null when the driver sent none (patched). */
  tLeave: nullableNumber,
  /** Board time of the new-BSSID event. */
  tJoin: nullableNumber,
  /** Bench time the rig received the join event (when it knew of the roam); absent in older runs. */
  joinSeenMs: nullableNumber.optional(),
  /** Programmed attenuation per path when the roam was seen, dB (the fixed path loss is in `fixedLossDb`). */
  attenuationDb: numberMap.nullable(),
  fixedLossDb: numberMap,
  /** Client's signal from the old AP at the last step before the roam, and from the new AP after it (dBm). */
  signalBeforeDbm: nullableNumber,
  signalAfterDbm: nullableNumber,
  /** Attenuation steps (crossfade) or commands (other triggers) it took. */
  rampSteps: z.number().int().min(0),
  /** The cycle's sequence window [seqFrom, seqTo] (unwrapped seqs). */
  seqFrom: z.number().int().min(0),
  seqTo: z.number().int().min(0),
  lostSeqs: z.array(z.number().int()),
  lateSeqs: z.array(z.number().int()),
  /**
   * Late replies (rtt > interval: late, not lost), how late the latest one was (its round
   * trip, ms; null when none came late), and how many of them were sent after the
   * association: a station whose ARP entry was lost in the roam retries a second later
   * (neigh retrans_time), and the pings queued meanwhile come back ~1 s late. Absent in
   * runs older than these fields (lateSeqs has the seqs).
   */
  late: z.number().int().min(0).optional(),
  lateMaxRttMs: nullableNumber.optional(),
  lateAfterAssociation: z.number().int().min(0).optional(),
  lost: z.number().int().min(0),
  /** Last reply before the gap to the first reply after it; 0 when nothing was lost or stalled. */
  outageMs: nullableNumber,
  /** Part of the outage before the association (scan, auth, assoc) and after it (data path dead, ticket 1404). */
  beforeAssociationMs: nullableNumber,
  afterAssociationMs: nullableNumber,
  /**
   * How far the before/after split can be off, ms: the true blackout after the association
   * lies within afterAssociationMs plus or minus this (about half a ping interval with -D
   * stamps, one interval with arrival times). Absent in runs older than the split by send time.
   */
  splitResolutionMs: nullableNumber.optional(),
  timestampSource: TimestampSourceSchema,
  valid: z.boolean(),
  invalidReason: z.string().nullable(),
  /** Kernel oopses, panics and watchdogs the consoles showed during this roam or its recovery (absent: none, or no consoles). */
  kernelEvents: z.array(KernelEventRecordSchema).optional(),
  /** What the recovery after this roam did, rung by rung in words (absent: no recovery). */
  recovery: z.array(z.string()).optional(),
});
export type RoamRecord = z.infer<typeof RoamRecordSchema>;

/** What a run was started with (run.json), so `--resume` can continue it. */
export const RunPlanSchema = z.object({
  inventory: z.string(),
  bench: z.string(),
  variants: z.array(z.string()).min(1),
  count: z.number().int().positive(),
  timeScale: finite.positive(),
  startedAt: z.string(),
});
export type RunPlan = z.infer<typeof RunPlanSchema>;

/** One timeline sample (timeline.jsonl): attenuation per ramp step, the client's signal. */
export const TimelineSampleSchema = z.discriminatedUnion('kind', [
  z.object({ t: finite, kind: z.literal('attenuation'), roam: z.number().int(), ap1: finite, ap2: finite }),
  z.object({ t: finite, kind: z.literal('signal'), roam: z.number().int(), bssid: z.string().min(1), dbm: finite }),
]);
export type TimelineSample = z.infer<typeof TimelineSampleSchema>;

export const DistributionSchema = z.object({
  median: nullableNumber,
  mean: nullableNumber,
  p95: nullableNumber,
  max: nullableNumber,
});
export type Distribution = z.infer<typeof DistributionSchema>;

/** Pass/fail limits of one variant, as the summary records them. */
export const VariantThresholdsSchema = z.object({
  maxMedianLostPerRoam: finite,
  maxLostPerRoam: finite,
  maxInvalidFraction: finite,
});
export type VariantThresholds = z.infer<typeof VariantThresholdsSchema>;

export const VariantSummarySchema = z.object({
  variant: z.string(),
  roams: z.number().int().min(0),
  valid: z.number().int().min(0),
  invalid: z.number().int().min(0),
  lostPerRoam: DistributionSchema,
  outageMs: DistributionSchema,
  afterAssociationMs: DistributionSchema,
  beforeAssociationMs: DistributionSchema,
  /** Invalid roams by reason. */
  invalidReasons: z.record(z.string(), z.number()),
  thresholds: VariantThresholdsSchema,
  /** Each threshold that failed, in words; empty when the variant passed. */
  failures: z.array(z.string()),
});
export type VariantSummary = z.infer<typeof VariantSummarySchema>;

const DeviceFirmwareSchema = z.object({ variant: z.string(), banner: z.string().nullable() });

export const RUN_VERDICTS = ['passed', 'failed', 'interrupted', 'bench-failure'] as const;

export const RunSummarySchema = z.object({
  runDir: z.string(),
  bench: z.string(),
  inventory: z.string(),
  inventoryDigest: z.string(),
  rigVersion: z.string(),
  startedAt: z.string(),
  endedAt: z.string(),
  timeScale: finite,
  virtual: z.boolean(),
  ping: z.object({ command: z.string(), version: z.string(), timestampSource: z.string() }).nullable(),
  attenuators: z.record(z.string(), z.string()),
  /** What each device ran (the last variant flashed) and its driver banners (absent in older runs). */
  devices: z.record(z.string(), DeviceFirmwareSchema).optional(),
  /** The same, for every variant of the run. */
  firmwareByVariant: z.record(z.string(), z.record(z.string(), DeviceFirmwareSchema)).optional(),
  essid: z.string().optional(),
  /** The network's security mode (open, wep, wpa-psk); older runs have none. */
  security: z.string().optional(),
  /** The roam trigger of the run (absent in runs older than triggers: crossfade). */
  trigger: z.string().optional(),
  variants: z.array(VariantSummarySchema),
  /** Lost seqs that fell in no roam cycle's window (per ping stream). */
  lostOutsideCycles: z.array(z.number().int()),
  verdict: z.enum(RUN_VERDICTS),
  benchFailure: z.string().nullable(),
  problems: z.array(z.string()),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;
