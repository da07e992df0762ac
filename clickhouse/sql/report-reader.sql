-- The report reader of a ClickHouse server: the user Periscope runs users' SQL as when
-- PERISCOPE_CLICKHOUSE_REPORTS_URL names it (e.g. http://periscope_reports:PASSWORD@clickhouse:8123/periscope).
-- Run once as an administrator, after `periscope migrate`, with `periscope` replaced by the
-- database Periscope uses. The application's sandbox still runs in front of it; this adds
-- the engine's own enforcement:
--   * readonly = 2: reads only; per-query settings may be set (limits, the projects below),
--     within the constraints of the profile, and readonly itself cannot be changed;
--   * SELECT on the report views and the tables under them, nothing else (no system tables
--     beyond what every user sees, no other database, in particular not periscope_private
--     with the accounts and keys, no table functions: readonly forbids them, and the grants
--     give no CREATE TEMPORARY TABLE, URL, FILE, S3 or REMOTE);
--   * row policies: every row of every table the views read is kept only when its project
--     is in the SQL_periscope_projects setting, which Periscope sets to the projects of the
--     session that asked. A query without the setting fails (getSetting of an unknown
--     setting is an error), so it can never see every project.
--
-- The server must accept custom settings with the SQL_ prefix (a config.d file):
--   <clickhouse><custom_settings_prefixes>SQL_</custom_settings_prefixes></clickhouse>

CREATE SETTINGS PROFILE IF NOT EXISTS periscope_reports_profile SETTINGS
    readonly = 2 CONST,
    max_execution_time = 300 MAX 300,
    max_memory_usage = 4294967296 MAX 4294967296,
    max_rows_to_read = 10000000000 MAX 10000000000,
    allow_ddl = 0 CONST,
    allow_introspection_functions = 0 CONST;

CREATE USER IF NOT EXISTS periscope_reports IDENTIFIED WITH sha256_password BY 'change-me'
    SETTINGS PROFILE 'periscope_reports_profile';

GRANT SELECT ON periscope.periscope_sql_requests TO periscope_reports;
GRANT SELECT ON periscope.periscope_sql_requests_1m TO periscope_reports;
GRANT SELECT ON periscope.periscope_sql_requests_1h TO periscope_reports;
-- The views run with the caller's rights (SQL SECURITY INVOKER), so the reader needs the
-- tables under them too; the row policies below are what bound those reads.
GRANT SELECT ON periscope.requests TO periscope_reports;
GRANT SELECT ON periscope.requests_rollup_1m TO periscope_reports;
GRANT SELECT ON periscope.requests_rollup_1h TO periscope_reports;

CREATE ROW POLICY IF NOT EXISTS periscope_reports_requests ON periscope.requests
    FOR SELECT USING has(splitByChar(',', toString(getSetting('SQL_periscope_projects'))), project_id) TO periscope_reports;
CREATE ROW POLICY IF NOT EXISTS periscope_reports_rollup_1m ON periscope.requests_rollup_1m
    FOR SELECT USING has(splitByChar(',', toString(getSetting('SQL_periscope_projects'))), project_id) TO periscope_reports;
CREATE ROW POLICY IF NOT EXISTS periscope_reports_rollup_1h ON periscope.requests_rollup_1h
    FOR SELECT USING has(splitByChar(',', toString(getSetting('SQL_periscope_projects'))), project_id) TO periscope_reports;
