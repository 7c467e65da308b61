/** Inventory rules: settings, count parsing, checkpoints, classification, plant time, schedules. */
export * from './checkpoints.ts';
export * from './count-parser.ts';
export * from './report-text.ts';
export * from './schedule.ts';
export * from '../../core/config/inventory.ts';
export * from './time.ts';
export * from './tolerances.ts';
