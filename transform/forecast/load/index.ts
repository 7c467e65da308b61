/** forecast-load's pure part: settings, keys and hashes, min/max maths, target rows, the plan. */
export * from './demand.ts';
export * from './keys.ts';
export * from './plan.ts';
export * from '../../../core/config/forecast-load.ts';
export * from './targets.ts';
