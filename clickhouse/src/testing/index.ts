export * from './fixtures.ts';
export { parseCsv } from './store-contract-reports.ts';
export { openChdbDriver } from '../driver/chdb.ts';
export { createStore } from '../open-store.ts';
export type { Driver } from '../driver/driver.ts';
export { rollupCounts, withoutView } from './rollups.ts';
