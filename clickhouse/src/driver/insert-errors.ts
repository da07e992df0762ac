import { messageOf, StoreError } from '../errors.ts';

/**
 * Engine error codes that mean "these rows cannot be stored as they are": parsing and type
 * errors of the inserted data. Retrying the same rows cannot help, so an insert failing with
 * one is refused (400) and the ingest isolates the rows to blame, instead of retrying the batch
 * forever and holding up everything behind it. Resource limits, a missing table or column,
 * and anything unlisted stay failures worth retrying (a migration or a restart fixes those).
 * Names as in ClickHouse's src/Common/ErrorCodes.cpp.
 */
const DATA_ERRORS = new Set([
  6, // CANNOT_PARSE_TEXT
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  32, // ATTEMPT_TO_READ_AFTER_EOF
  33, // CANNOT_READ_ALL_DATA
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
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
