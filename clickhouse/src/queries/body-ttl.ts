import type { Driver } from '../driver/driver.ts';
import { StoreError } from '../errors.ts';

const BODY_COLUMNS = ['request_body', 'response_body'] as const;
const MAX_TTL_DAYS = 36_500;

/**
 * Clears request/response bodies `days` after created_at (0 keeps them forever). Only the
 * columns whose TTL differs are altered, because each change rewrites the stored bodies and
 * callers set the TTL on every start. DDL takes no query parameters, so `days` is inlined
 * after it is checked to be an integer.
 */
export async function setBodyTtlDays(driver: Driver, days: number): Promise<void> {
  if (!Number.isInteger(days) || days < 0 || days > MAX_TTL_DAYS) {
    throw new StoreError('invalid_argument', `body TTL must be an integer number of days from 0 to ${MAX_TTL_DAYS}`);
  }
  const current = await readColumnTtls(driver);
  for (const column of BODY_COLUMNS) {
    if (current[column] === days) continue;
    await driver.exec(
      days === 0
        ? `ALTER TABLE requests MODIFY COLUMN ${column} REMOVE TTL`
        // On created_at itself (DateTime64): toDateTime(created_at) + 100 years overflowed the
        // 32-bit DateTime to a time in the past, and a merge then cleared today's bodies.
        : `ALTER TABLE requests MODIFY COLUMN ${column} TTL created_at + INTERVAL ${days} DAY`,
    );
  }
}

/** The body TTL in days as setBodyTtlDays left it; 0 when bodies are kept forever. */
export async function getBodyTtlDays(driver: Driver): Promise<number> {
  return (await readColumnTtls(driver)).request_body;
}

/**
 * Column TTLs are visible only in the table's DDL, where the server prints ours as
 * "`request_body` String CODEC(ZSTD(3)) TTL created_at + toIntervalDay(30)".
 * A TTL in any other shape reads as -1, so setBodyTtlDays replaces it (as it does the 32-bit
 * `toDateTime(created_at) + …` of versions before).
 */
async function readColumnTtls(driver: Driver): Promise<Record<(typeof BODY_COLUMNS)[number], number>> {
  const [table] = await driver.query<{ create_table_query: string }>(
    "SELECT create_table_query FROM system.tables WHERE database = currentDatabase() AND name = 'requests'",
  );
  if (!table) throw new StoreError('query_failed', 'table requests does not exist; run the migrations first');
  const ttlOf = (column: string): number => {
    const definition = new RegExp(`\`${column}\` ([^,]*)`).exec(table.create_table_query)?.[1] ?? '';
    if (!definition.includes(' TTL ')) return 0;
    const days = /\bTTL created_at \+ toIntervalDay\((\d+)\)$/.exec(definition);
    return days ? Number(days[1]) : -1;
  };
  return { request_body: ttlOf('request_body'), response_body: ttlOf('response_body') };
}
