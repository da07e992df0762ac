import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Driver } from './driver/driver.ts';
import { messageOf, StoreError } from './errors.ts';
import { privateDatabase } from './private-tables.ts';

export interface Migration {
  version: number;
  /** File name without `.sql`, e.g. "001_requests". */
  name: string;
  statements: string[];
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

const FILE_NAME = /^(\d{3})_[a-z0-9_]+\.sql$/;

/** Reads `NNN_name.sql` files in version order; a misnamed or duplicate version is an error, not a skip. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new StoreError('migration_failed', `migration file ${file} is not named NNN_name.sql`);
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) {
      throw new StoreError('migration_failed', `two migration files have version ${version}`);
    }
    const statements = splitStatements(await readFile(join(dir, file), 'utf8'));
    if (statements.length === 0) throw new StoreError('migration_failed', `migration file ${file} has no statements`);
    migrations.push({ version, name: file.slice(0, -'.sql'.length), statements });
  }
  return migrations;
}

/**
 * Splits a file into statements at a `;` that ends a line. Whole-line `--` comments go
 * first so a semicolon in prose cannot cut a statement; a `;` inside a literal at a line
 * end would still split, which migrations (written by us) avoid.
 */
export function splitStatements(sql: string): string[] {
  const code = sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  return code
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in version order, and
 * returns the versions applied now. A version is recorded only after all its statements
 * ran, so every statement must be idempotent (IF NOT EXISTS) for a rerun after a partial
 * failure. Two processes migrating at once both succeed for the same reason, and the
 * ReplacingMergeTree record absorbs the double entry. Statements name the private database
 * as `{private_database:Identifier}` (it depends on the store's database).
 */
export async function migrate(driver: Driver, migrations?: Migration[]): Promise<number[]> {
  const pending = migrations ?? (await loadMigrations());
  await driver.exec(`
    CREATE TABLE IF NOT EXISTS schema_migrations
    (
        version    UInt32,
        name       String,
        applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    )
    ENGINE = ReplacingMergeTree
    ORDER BY version`);
  const rows = await driver.query<{ version: number | string }>('SELECT DISTINCT version FROM schema_migrations');
  const applied = new Set(rows.map((r) => Number(r.version)));

  const params = { private_database: privateDatabase(driver.database) };
  const appliedNow: number[] = [];
  for (const migration of [...pending].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    for (const statement of migration.statements) {
      try {
        await driver.exec(statement, params);
      } catch (err) {
        throw new StoreError('migration_failed', `migration ${migration.name} failed: ${messageOf(err)}`, {
          cause: err,
        });
      }
    }
    await driver.insertJSONEachRow('schema_migrations', [{ version: migration.version, name: migration.name }]);
    appliedNow.push(migration.version);
  }
  return appliedNow;
}
