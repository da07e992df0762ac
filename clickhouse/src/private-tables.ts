import type { Driver } from './driver/driver.ts';
import { quoteName } from './quote-name.ts';

/**
 * Tables no user's SQL may ever read: accounts (password hashes), gateway keys (their
 * HMACs), alert rules (channel URLs and encrypted secrets) with their states and events,
 * leases, saved reports and their runs, and the Kafka ingest's record of resent events. They
 * live in a database of their own next to the store's (migrations 008 and 009), which the SQL
 * sandbox refuses by name and which the embedded engine's read-only connections see no rows of
 * (driver/chdb-engine-config.ts).
 */
export const PRIVATE_TABLES = ['accounts', 'gateway_keys', 'alert_rules', 'alert_states', 'alert_events', 'leases', 'reports', 'report_runs', 'resent_events'] as const;
export type PrivateTable = (typeof PRIVATE_TABLES)[number];

/**
 * The private database of the store whose database is `database`: `periscope_private` for
 * `default` (the embedded store, a server used without a database), else `<database>_private`,
 * so two stores on one server keep their accounts apart.
 */
export function privateDatabase(database: string): string {
  return database === 'default' ? 'periscope_private' : `${database}_private`;
}

/** `db.table` for SQL text: names that are not plain identifiers are quoted. */
export function privateTable(driver: Driver, table: PrivateTable): string {
  return `${quoteName(privateDatabase(driver.database))}.${table}`;
}
