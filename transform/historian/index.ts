/** The historian's pure parts: settings, the plant calendar, and the aggregation of counters, states and analog values. */
export * from './aggregate.ts';
export * from './analog.ts';
export * from './calendar.ts';
export * from './counters.ts';
export * from '../../core/config/historian.ts';
export * from './states.ts';
export type * from './types.ts';
