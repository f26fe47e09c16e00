/**
 * rig's programmatic API: everything the CLI does is a function here, and the seams
 * a lab extends (drivers by role, attenuator models, roam triggers, provisioners).
 */
// The commands.
export { roam, type RoamApiOptions } from './api/roam.ts';
export { flash, type FlashApiOptions } from './api/flash.ts';
export { provisionBench } from './api/provision.ts';
export { runRoam, type RoamOptions, type RunResult, type ProgressEvent } from './roam/run.ts';
export { runFlash, type FlashRunOptions, type FlashRunResult } from './flash/run.ts';
export { flashSession, identifySession } from './flash/session.ts';
export { analyzePingFile, analyzePingText, formatAnalysis } from './ping/analyze.ts';
export { writeRunReport, regenerateReportsIndex } from './report/index.ts';

// Run records.
export type { RoamRecord, RunSummary, RunPlan, VariantSummary, Distribution, TimelineSample } from './record/schema.ts';
export { summarizeVariant, distribution } from './record/summary.ts';
export { readRoams, readSummary, readPlan, isRunFolder } from './record/read.ts';

// Ping analysis.
export { PingAnalyzer, type PingAnalysis, type Outage } from './ping/analyzer.ts';
export { parsePingLine, type PingLine } from './ping/parse.ts';

// Inventory and benches.
export { loadInventory, selectBench, type LoadedInventory } from './inventory/load.ts';
export type { Inventory, Bench } from './inventory/schema.ts';
export { FAULT_KINDS, type FaultKind } from './inventory/fault-kinds.ts';
export { openBench, type OpenBenchOptions } from './bench/open.ts';
export { BenchSession } from './bench/session.ts';
export { realBench, type Provisioner, type ProvisionedBench, type ProvisionRequest, type EndpointOverrides } from './bench/provision.ts';

// Drivers and the roles they implement.
export type { Station, AccessPoint, PowerSwitch, Console, LinkInfo, AssociationEvent } from './controllers/roles.ts';
export { stationDrivers, accessPointDrivers, powerSwitchDrivers } from './controllers/drivers.ts';
export { SshDevice, type SshConnectOptions } from './controllers/ssh/ssh-device.ts';
export type { DeviceShell, ExecResult, RemoteProcess } from './controllers/ssh/types.ts';
export { createAttenuator, registerAttenuatorDriver } from './controllers/attenuator/registry.ts';
export type { Attenuator } from './controllers/attenuator/types.ts';
export { registerRoamTrigger, roamTriggerNames } from './roam/triggers/registry.ts';
export type { RoamTrigger, TriggerContext, TriggerOutcome } from './roam/triggers/types.ts';

// The virtual rig.
export { startLab, parseFaultArg, type Lab, type LabOptions, type FaultSpec } from '../rig/index.ts';

export { RigError, ConfigError, BenchError, UsageError, EXIT } from './errors.ts';
