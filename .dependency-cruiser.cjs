/**
 * The layers of rig and the imports allowed between them (docs/architecture.md).
 * `npm test` runs this through src/tests/architecture.test.ts: a forbidden import
 * fails the build. Tests (src/tests/) judge everything and may import anything.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'rig-independent-of-src',
      comment:
        'The virtual rig shares no code with what it checks (a shared bug cancels out): rig/ imports nothing from src/ but the inventory types.',
      severity: 'error',
      from: { path: '^rig/' },
      to: { path: '^src/', pathNot: '^src/inventory/(schema|fault-kinds)\\.ts$' },
    },
    {
      name: 'rig-inventory-types-only',
      comment: 'rig/ may read the inventory\'s types, never run its code.',
      severity: 'error',
      from: { path: '^rig/' },
      to: { path: '^src/inventory/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'src-reaches-rig-through-its-entry-point',
      comment: 'Only the CLI and the programmatic API provision a virtual bench, through rig/index.ts.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(tests/|cli/|api/|index\\.ts$)' },
      to: { path: '^rig/' },
    },
    {
      name: 'rig-entry-point-only',
      comment: 'The CLI and the API use the virtual rig through its entry point only.',
      severity: 'error',
      from: { path: '^src/(cli/|api/|index\\.ts$)' },
      to: { path: '^rig/', pathNot: '^rig/index\\.ts$' },
    },
    {
      name: 'report-reads-records-only',
      comment: 'The report is a function of the run folder: it reads run records (src/record) and ping logs (src/ping), nothing that runs a bench.',
      severity: 'error',
      from: { path: '^src/report/' },
      to: { path: '^src/(roam|controllers|flash|bench|cli|api|firmware|inventory)/' },
    },
    {
      name: 'record-is-a-leaf',
      comment: 'Run records are plain data: schemas, writer, reader, statistics.',
      severity: 'error',
      from: { path: '^src/record/' },
      to: { path: '^src/(roam|controllers|flash|bench|cli|api|report|ping|firmware|inventory)/' },
    },
    {
      name: 'ping-analysis-is-pure',
      comment: 'The ping parser and analyser know no device, run or report.',
      severity: 'error',
      from: { path: '^src/ping/' },
      to: { path: '^src/(roam|controllers|flash|bench|cli|api|report|record|firmware|inventory)/' },
    },
    {
      name: 'controllers-are-drivers',
      comment: 'Controllers (I/O drivers) know no strategy, bench session, CLI or report.',
      severity: 'error',
      from: { path: '^src/controllers/' },
      to: { path: '^src/(roam|flash|bench|cli|api|report|record)/' },
    },
    {
      name: 'bench-layer-below-strategies',
      comment: 'The bench layer opens benches; strategies (roam, flash) use it, never the other way.',
      severity: 'error',
      from: { path: '^src/bench/' },
      to: { path: '^src/(roam|flash|cli|api|report|record)/' },
    },
    {
      name: 'strategies-below-cli',
      comment: 'Roam and flash are functions the CLI and the API call.',
      severity: 'error',
      from: { path: '^src/(roam|flash|bench|controllers|record|ping|report|inventory|firmware)/' },
      to: { path: '^src/(cli|api)/|^src/index\\.ts$' },
    },
    {
      name: 'flash-is-not-roam',
      comment: 'Roaming may flash a variant first; flashing knows nothing of roaming.',
      severity: 'error',
      from: { path: '^src/flash/' },
      to: { path: '^src/roam/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles that run code (a type-only back-reference, e.g. a model object naming its owner\'s type, is fine).',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/tests/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
