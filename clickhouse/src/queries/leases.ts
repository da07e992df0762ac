import type { LeaseView } from '../alerts.ts';
import type { Driver } from '../driver/driver.ts';
import { privateTable } from '../private-tables.ts';
import { integer, invalid } from './validate.ts';

type Numeric = number | string;

/**
 * Claims `term` of a lease for `holder`. The claim time is the server's clock (the column
 * default), so workers with skewed clocks still agree on who claimed first.
 */
export async function claimLease(driver: Driver, name: string, term: number, holder: string, ttlMs: number): Promise<void> {
  if (!name || !holder) throw invalid('a lease needs a name and a holder');
  integer('term', term, Number.MAX_SAFE_INTEGER);
  integer('ttlMs', ttlMs, 86_400_000);
  await driver.insertJSONEachRow(privateTable(driver, 'leases'), [{ name, term, holder, ttl_ms: ttlMs }]);
}

/** The claims of the newest term of a lease (none yet: term 0), read with the server's now. */
export async function readLease(driver: Driver, name: string): Promise<LeaseView> {
  const rows = await driver.query<{ now_ms: Numeric; term: Numeric; holder: string; claimed_ms: Numeric | null; ttl_ms: Numeric }>(
    `SELECT toUnixTimestamp64Milli(now64(3)) AS now_ms, c.term AS term, c.holder AS holder,
       toUnixTimestamp64Milli(c.claimed_at) AS claimed_ms, c.ttl_ms AS ttl_ms
     FROM (SELECT 1 AS one) AS base
     LEFT JOIN (
       SELECT 1 AS one, term, holder, claimed_at, ttl_ms FROM ${privateTable(driver, 'leases')}
       WHERE name = {name:String} AND term = (SELECT max(term) FROM ${privateTable(driver, 'leases')} WHERE name = {name:String})
     ) AS c ON c.one = base.one
     ORDER BY claimed_at, holder
     SETTINGS join_use_nulls = 1`,
    { name },
  );
  const claims = rows.filter((r) => r.claimed_ms !== null).map((r) => ({ holder: r.holder, claimed_at: Number(r.claimed_ms), ttl_ms: Number(r.ttl_ms) }));
  return { now: Number(rows[0]?.now_ms ?? Date.now()), term: claims.length > 0 ? Number(rows[0]!.term) : 0, claims };
}
