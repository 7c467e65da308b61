/** The states of a release as a plain list (no zod), for `mfg-etl releases --help` (CLI start-up). */
export const RELEASE_STATES = ['released', 'acknowledged', 'refused', 'overdue', 'cancelled'] as const;
export type ReleaseState = (typeof RELEASE_STATES)[number];
