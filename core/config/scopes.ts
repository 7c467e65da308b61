/** API token scopes, without zod: `mfg-etl --help` names them (CLI start-up). */
export const QUALITY_SCOPE = 'quality:write';
