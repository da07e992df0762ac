import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PRIVATE_TABLES, privateDatabase } from '../private-tables.ts';

/** The database read-only connections resolve unqualified names in: created empty, never written. */
export const SANDBOX_DATABASE = 'periscope_sandbox';

/**
 * The engine's own configuration for an embedded store, written into its data directory and
 * given to the first connection of the process (chDB 3.4 reads `--config-file` once per
 * process: later connections' files are ignored, measured).
 *
 * Every connection runs as the user `default` (chDB ignores `--user`, and `EXECUTE AS` answers
 * "IMPERSONATE feature is disabled" whatever the config says), so the one thing that tells
 * the connections users' SQL runs on from the store's own is the `readonly` setting they are
 * opened with, which no statement on them can lower. A row policy on every private table
 * keeps only rows read with `readonly = 0`: a read-only connection sees those tables empty
 * by any name, through view(), merge() or a subquery. (mergeTreeIndex() still lists primary
 * key values, which are ids there; the sandbox refuses every table function but numbers().)
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
  const hidden = PRIVATE_TABLES.map((t) => `          <${t}><filter>getSetting('readonly') = 0</filter></${t}>`).join('\n');
  const database = privateDatabase('default');
  return `<clickhouse>
  <profiles><default/></profiles>
  <quotas><default/></quotas>
  <users>
    <default>
      <password/>
      <profile>default</profile>
      <quota>default</quota>
      <databases>
        <${database}>
${hidden}
        </${database}>
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
