import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PRIVATE_TABLES, privateDatabase } from '../private-tables.ts';

/** The database read-only connections resolve unqualified names in: created empty, never written. */
export const SANDBOX_DATABASE = 'periscope_sandbox';

/**
 * A read-only connection's `log_comment`: this prefix, the projects it may read (comma-separated),
 * `#` and the connection's own id (which finds its running query to stop it).
 */
export const PROJECTS_COMMENT = 'periscope-projects:';

/** The store's tables of logged calls: a read-only connection sees only the rows of its projects. */
const REQUEST_TABLES = ['requests', 'requests_rollup_1m', 'requests_rollup_1h'];

/**
 * The engine's own configuration for an embedded store, written into its data directory and
 * given to the first connection of the process (chDB 3.4 reads `--config-file` once per
 * process: later connections' files are ignored, measured).
 *
 * Every connection runs as the user `default` (chDB ignores `--user`, and `EXECUTE AS` answers
 * "IMPERSONATE feature is disabled" whatever the config says), so what tells the connections
 * users' SQL runs on from the store's own is the settings they are opened with, which no
 * statement on them can change (`readonly = 1` forbids changing any setting). Row policies
 * (users.xml) key on them:
 *
 * - every private table keeps only rows read with `readonly = 0`: a read-only connection sees
 *   those tables empty by any name, through view(), merge() or any subquery;
 * - the request log and its rollups keep, on a read-only connection, only the rows of the
 *   projects named in its `log_comment` (chDB has no custom settings, which a server's report
 *   reader uses for the same filter): below the views, so a statement that named a table
 *   directly would still read only the caller's projects.
 *
 * Not covered: mergeTreeIndex() lists any table's primary key values (ids and times) past
 * row policies; the sandbox refuses every table function but numbers().
 *
 * Returns the engine argument that loads it.
 */
export async function writeEngineConfig(dataDir: string): Promise<string> {
  const dir = join(dataDir, 'periscope-engine');
  await mkdir(dir, { recursive: true });
  const users = join(dir, 'users.xml');
  const config = join(dir, 'config.xml');
  await writeAtomically(users, usersXml());
  await writeAtomically(config, `<clickhouse>
  <user_directories><users_xml><path>${xmlText(users)}</path></users_xml></user_directories>
</clickhouse>
`);
  return `--config-file=${config}`;
}

function usersXml(): string {
  const store = "getSetting('readonly') = 0";
  const listed = `splitByChar('#', substring(getSetting('log_comment'), ${PROJECTS_COMMENT.length + 1}))[1]`;
  const projects = `(startsWith(getSetting('log_comment'), '${PROJECTS_COMMENT}') AND project_id != '' AND has(splitByChar(',', ${listed}), project_id))`;
  const policies = (database: string, tables: string[], filter: string) =>
    `        <${database}>\n${tables.map((t) => `          <${t}><filter>${xmlText(filter)}</filter></${t}>`).join('\n')}\n        </${database}>`;
  return `<clickhouse>
  <profiles><default/></profiles>
  <quotas><default/></quotas>
  <users>
    <default>
      <password/>
      <profile>default</profile>
      <quota>default</quota>
      <databases>
${policies(privateDatabase('default'), [...PRIVATE_TABLES], store)}
${policies('default', REQUEST_TABLES, `${store} OR ${projects}`)}
      </databases>
    </default>
  </users>
</clickhouse>
`;
}

const xmlText = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** Another process may be reading the file it replaces (a store that is already open, about to refuse this one). */
async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}
