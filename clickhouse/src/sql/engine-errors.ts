import { messageOf, StoreError } from '../errors.ts';
import { engineErrorCode } from '../driver/insert-errors.ts';
import type { SqlLimits } from '../reports.ts';

/** Engine error codes of the resource limits, with what to tell the user. */
const LIMIT_MESSAGES: Record<number, (l: SqlLimits) => string> = {
  159: (l) => `The query ran longer than the ${l.maxExecutionSeconds} s limit (max_execution_time).`,
  160: (l) => `The query would run longer than the ${l.maxExecutionSeconds} s limit (max_execution_time).`,
  158: (l) => `The query reads more than ${l.maxRowsToRead.toLocaleString('en')} rows (max_rows_to_read); narrow the time range or use requests_1h.`,
  307: () => 'The query reads more bytes than allowed (max_bytes_to_read).',
  396: (l) => `The query returns more than ${l.maxResultRows.toLocaleString('en')} rows (max_result_rows).`,
  241: (l) => `The query needs more than ${Math.round(l.maxMemoryBytes / 1024 / 1024)} MiB of memory (max_memory_usage).`,
};
/** READONLY, ACCESS_DENIED: the engine refused a statement the sandbox should already have refused. */
const REFUSED = new Set([164, 497]);

/**
 * The engine's error for a user's query, as the user should see it (their own SQL is theirs
 * to debug): positions in the user's text rather than the wrapped statement's (`userOffset`
 * characters and one line before it), and without the engine's guesses at names the user
 * might have meant, which could name tables the user may not read.
 */
export function userFacingError(err: unknown, limits: SqlLimits, userOffset = 0): unknown {
  if (!(err instanceof StoreError) || err.code !== 'query_failed') return err;
  const code = engineErrorCode(err.cause ?? err) ?? engineErrorCode(err);
  const text = userPositions(cleanMessage(err.message), userOffset);
  const limit = code === undefined ? undefined : LIMIT_MESSAGES[code];
  if (limit) return new StoreError('sql_limit_exceeded', `${limit(limits)} ${text}`, { cause: err });
  if (code !== undefined && REFUSED.has(code)) return new StoreError('sql_rejected', `Reports are read-only: ${text}`, { cause: err });
  return new StoreError('sql_failed', text, { cause: err });
}

function cleanMessage(message: string): string {
  return messageOf(message)
    .replace(/Code: \d+\. DB::Exception: /g, '')
    .replace(/ ?\(version [^)]*\)/g, '')
    .replace(/ ?Maybe you meant(: \[[^\]]*\]\.| [^?]*\?)/g, '')
    .trim()
    .slice(0, 2000);
}

function userPositions(message: string, userOffset: number): string {
  if (userOffset === 0) return message;
  return message
    .replace(/\bposition (\d+)/g, (whole, p: string) => (Number(p) > userOffset ? `position ${Number(p) - userOffset}` : whole))
    .replace(/\(line (\d+), col (\d+)\)/g, (whole, line: string, col: string) => (Number(line) > 1 ? `(line ${Number(line) - 1}, col ${col})` : whole));
}
