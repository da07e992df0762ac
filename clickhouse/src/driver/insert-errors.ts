import { messageOf, StoreError } from '../errors.ts';

/**
 * Engine error codes that mean "these rows cannot be stored as they are": the engine could not
 * parse or convert a value of the inserted data. Retrying the same rows cannot help, so an
 * event insert failing with one is refused (400) and the ingest isolates the rows to blame,
 * instead of retrying the batch forever and holding up everything behind it. Codes the engine
 * also raises for a broken schema or a cut-off transfer (TYPE_MISMATCH, CANNOT_READ_ALL_DATA,
 * …), resource limits, a missing table and anything unlisted stay failures worth retrying.
 * Names as in ClickHouse's src/Common/ErrorCodes.cpp; 25, 26, 27, 41 and 467 are what chDB
 * answered for a lone surrogate escape, a cut row, a string or a fraction where a number goes,
 * a bad date and a bad bool (clickhouse/src/testing/store-contract.ts).
 */
const DATA_ERRORS = new Set([
  6, // CANNOT_PARSE_TEXT
  25, // CANNOT_PARSE_ESCAPE_SEQUENCE
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  467, // CANNOT_PARSE_BOOL
  691, // UNKNOWN_ELEMENT_OF_ENUM
]);

/** The engine's error code: the server client's `code`, or chDB's "Code: N." message prefix. */
export function engineErrorCode(err: unknown): number | undefined {
  const fromServer = Number((err as { code?: unknown } | null)?.code);
  if (Number.isInteger(fromServer) && fromServer > 0) return fromServer;
  const m = /Code: (\d+)\./.exec(messageOf(err));
  return m ? Number(m[1]) : undefined;
}

/** An insert's failure as the store reports it: `rows_refused` for the data's fault, else `otherwise`. */
export function insertFailure(err: unknown, otherwise: StoreError): StoreError {
  const code = engineErrorCode(err);
  if (code !== undefined && DATA_ERRORS.has(code)) {
    return new StoreError('rows_refused', `the engine refused the rows: ${messageOf(err).slice(0, 2000)}`, { cause: err });
  }
  return otherwise;
}
