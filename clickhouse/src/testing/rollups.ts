import type { Driver } from '../driver/driver.ts';

/**
 * Runs `fn` with a rollup's materialized view dropped, then creates it again: an insert made
 * meanwhile reaches the table (and the views before it) but not that rollup, as a crash between
 * the engine's commits of their parts leaves it.
 */
export async function withoutView<T>(driver: Driver, view: 'requests_rollup_1m_mv' | 'requests_rollup_1h_mv', fn: () => Promise<T>): Promise<T> {
  const [ddl] = await driver.query<{ statement: string }>(`SHOW CREATE TABLE ${view}`);
  await driver.exec(`DROP VIEW ${view}`);
  try {
    return await fn();
  } finally {
    await driver.exec(ddl!.statement);
  }
}

/** A project's rows (each once) and what each rollup counts for it. */
export async function rollupCounts(driver: Driver, project: string): Promise<{ rows: number; minute: number; hour: number }> {
  const count = async (sql: string) => Number((await driver.query<{ n: string }>(sql, { p: project }))[0]?.n ?? 0);
  return {
    rows: await count('SELECT count() AS n FROM requests FINAL WHERE project_id = {p:String}'),
    minute: await count('SELECT sum(requests) AS n FROM requests_rollup_1m WHERE project_id = {p:String}'),
    hour: await count('SELECT sum(requests) AS n FROM requests_rollup_1h WHERE project_id = {p:String}'),
  };
}
