/**
 * rig's programmatic API: everything the CLI does is a function here.
 */
export { runRoam, type RoamOptions, type RunResult, type ProgressEvent } from './roam/run.ts';
export type { RoamRecord, RunSummary, RunPlan, VariantSummary, Distribution, TimelineSample } from './record/schema.ts';
export { summarizeVariant, distribution } from './record/summary.ts';
export { readRoams, readSummary, readPlan, isRunFolder } from './record/read.ts';
export { analyzePingFile, analyzePingText, formatAnalysis } from './ping/analyze.ts';
export { PingAnalyzer, type PingAnalysis, type Outage } from './ping/analyzer.ts';
export { parsePingLine, type PingLine } from './ping/parse.ts';
export { loadInventory, selectBench, type LoadedInventory } from './inventory/load.ts';
export type { Inventory, Bench } from './inventory/schema.ts';
export { SshDevice, type SshConnectOptions } from './controllers/ssh/ssh-device.ts';
export type { DeviceShell, ExecResult, RemoteProcess } from './controllers/ssh/types.ts';
export { createAttenuator, registerAttenuatorDriver } from './controllers/attenuator/registry.ts';
export type { Attenuator } from './controllers/attenuator/types.ts';
export { writeRunReport, regenerateReportsIndex } from './report/index.ts';
export { flashSession, identifySession } from './flash/session.ts';
export { startLab, type Lab, type LabOptions } from '../rig/lab.ts';
export { FAULT_KINDS, parseFaultArg, type FaultSpec } from '../rig/faults.ts';
export { RigError, ConfigError, BenchError, UsageError, EXIT } from './errors.ts';
