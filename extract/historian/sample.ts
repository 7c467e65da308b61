/** one good-quality value as the historian stored it (bad and uncertain samples never get here) */
export interface Sample {
  ts: number;
  value: number;
}
