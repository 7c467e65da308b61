/** Cost maths and rules that are not SQL: settings, update file parsing, checkpoints, cycles, the load plan. */
export * from './checkpoints.ts';
export * from './cycles.ts';
export * from './load-plan.ts';
export * from './overhead.ts';
export * from './reference-rollup.ts';
export * from './report-text.ts';
export * from '../../core/config/costs.ts';
export * from './updates.ts';
