// The dependency rule (README "How it works"), checked by `npm run lint`:
//   core <- extract <- transform <- load <- jobs <- app; schedules uses only the job runtime; no cycles.
// Paths are relative to the repository root. examples/, tools/, bench/ and test/ may import anything;
// npm packages and node: builtins are not restricted here.

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-only-core',
      comment:
        'core/ is the foundation (config, db, logger, errors, the Odoo client): everything else builds on it, so it may not reach up.',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: '^(extract|transform|load|jobs|schedules|app)/' },
    },
    {
      name: 'extract-imports-core-and-extract',
      comment: 'extract/ reads the outside world; it must not depend on the rules, writers or jobs that consume what it reads.',
      severity: 'error',
      from: { path: '^extract/' },
      to: { path: '^(transform|load|jobs|schedules|app)/' },
    },
    {
      name: 'transform-imports-core-extract-transform',
      comment: 'transform/ is pure rules over extracted data: it may use extract types but never the writers (load/) or the jobs.',
      severity: 'error',
      from: { path: '^transform/' },
      to: { path: '^(load|jobs|schedules|app)/' },
    },
    {
      name: 'load-imports-core-to-load',
      comment: 'load/ writes (staging, Odoo, workbooks); the jobs orchestrate it, so load must not know about jobs, schedules or the app.',
      severity: 'error',
      from: { path: '^load/' },
      to: { path: '^(jobs|schedules|app)/' },
    },
    {
      name: 'jobs-import-core-to-jobs',
      comment: 'jobs/ are run by the scheduler, the worker and the CLI: they must not depend on what runs them (schedules/, app/).',
      severity: 'error',
      from: { path: '^jobs/' },
      to: { path: '^(schedules|app)/' },
    },
    {
      name: 'jobs-of-one-pipeline-stay-apart',
      comment:
        'A job of one pipeline must not import a job of another pipeline (shared code belongs in extract/transform/load or in the runtime files jobs/*.ts).',
      severity: 'error',
      from: { path: '^jobs/([^/]+)/' },
      to: { path: '^jobs/[^/]+/', pathNot: '^jobs/$1/' },
    },
    {
      name: 'pipelines-stay-apart-at-every-stage',
      comment:
        "extract/, transform/ and load/ of one pipeline do not import another pipeline's folder: what two pipelines share lives in a shared home (extract/inbox, extract/tabular, transform/shared, load/staging, load/odoo-ledger, load/workbooks, load/outbox).",
      severity: 'error',
      from: { path: '^(extract|transform|load)/(forecast|costs|inventory|historian|masterdata|quality|suppliers|mes)/' },
      to: {
        path: '^(extract|transform|load|jobs)/(forecast|costs|inventory|historian|masterdata|quality|suppliers|mes)/',
        pathNot: '^[a-z]+/$2/',
      },
    },
    {
      name: 'schedules-import-only-the-job-runtime',
      comment:
        'schedules/ decides when jobs run: it needs the job runtime (job, registry, catalog, runner, resources, inbox-batches) and load/ops (runs), never a pipeline.',
      severity: 'error',
      from: { path: '^schedules/' },
      to: {
        path: '^(extract|transform|load|jobs|app)/',
        pathNot: ['^jobs/(job|registry|catalog|runner|resources|inbox-batches)\\.ts$', '^load/ops/'],
      },
    },
    {
      name: 'shipped-code-does-not-import-tests-demos-benchmarks',
      comment: 'test/, bench/ and examples/ are not part of the product; production code depending on them would ship test doubles.',
      severity: 'error',
      from: { path: '^(core|extract|transform|load|jobs|schedules|app)/' },
      to: { path: '^(examples|bench|test)/' },
    },
    {
      name: 'only-app-imports-tools',
      comment: 'tools/ (the plant simulator) is started by the CLI command simulate-plant only; the pipeline layers must not depend on it.',
      severity: 'error',
      from: { path: '^(core|extract|transform|load|jobs|schedules)/' },
      to: { path: '^tools/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle makes import order matter (undefined at load time) and the layers meaningless; type-only imports count too.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      comment: 'An import that cannot be resolved cannot be checked against the rules above (tsc would also fail).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^node_modules/', '^test/support/odoo/captures/'] },
    // count `import type` and type-only imports: a cycle through types is still a cycle between modules
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
