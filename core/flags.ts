/**
 * Yes/no values as they arrive from environment variables, `--param k=v` and JSON files: a real
 * boolean, or one of true/false, 1/0, yes/no, on/off (any case). z.coerce.boolean would read the
 * string "false" as true, hence this one schema for the whole program.
 */
import { z } from 'zod';

export const flag = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  return value;
}, z.boolean());
