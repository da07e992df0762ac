-- Tables no user's SQL may read move to a database of their own, next to the store's:
-- accounts (password hashes), gateway keys (HMACs), alert rules (channel URLs, encrypted
-- secrets), their states and events, leases, saved reports and their runs. The SQL sandbox
-- refuses that database by name, and the embedded engine shows no rows of it to the
-- read-only connections users' SQL runs on (clickhouse/src/private-tables.ts).
--
-- RENAME moves a table with its data and parts in place (no copy), and IF EXISTS makes a
-- rerun after a partial failure skip what already moved. The request log, its rollups and
-- the report views stay where they are.
CREATE DATABASE IF NOT EXISTS {private_database:Identifier};
RENAME TABLE IF EXISTS gateway_keys TO {private_database:Identifier}.gateway_keys;
RENAME TABLE IF EXISTS accounts TO {private_database:Identifier}.accounts;
RENAME TABLE IF EXISTS alert_rules TO {private_database:Identifier}.alert_rules;
RENAME TABLE IF EXISTS alert_states TO {private_database:Identifier}.alert_states;
RENAME TABLE IF EXISTS alert_events TO {private_database:Identifier}.alert_events;
RENAME TABLE IF EXISTS leases TO {private_database:Identifier}.leases;
RENAME TABLE IF EXISTS reports TO {private_database:Identifier}.reports;
RENAME TABLE IF EXISTS report_runs TO {private_database:Identifier}.report_runs;
