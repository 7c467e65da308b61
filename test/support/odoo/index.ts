/** The Odoo test server: see server.ts. */
export { OdooTestServer, startOdooTestServer } from './server.ts';
export type { OdooTestServerOptions, TestUser } from './server.ts';
export type { CallInfo, CallMatch, CallRecord } from './knobs.ts';
export { seedLotStock, seedMasterData, seedProducts, seedQuants, seedXmlid } from './seed.ts';
export type { Rec } from './models.ts';
export { assignProductions, confirmedProduction, confirmProductions, runMrp, seedMrpExecution } from './mrp.ts';
export type { MrpExecutionSeed } from './mrp.ts';
