export * from './fixtures.ts';
export { parseCsv } from './store-contract-reports.ts';
