import { StoreError } from '../errors.ts';

/**
 * The position after the last row of a page, in the list order (created_at, request_id,
 * project_id), all descending. project_id completes the order: two projects may log the
 * same client-chosen request id at the same millisecond.
 */
export interface CursorPosition {
  createdAtMs: number;
  requestId: string;
  projectId: string;
}

export function encodeCursor(p: CursorPosition): string {
  return Buffer.from(JSON.stringify([p.createdAtMs, p.requestId, p.projectId])).toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(decoded) || decoded.length !== 3) throw invalid();
  const [createdAtMs, requestId, projectId] = decoded as unknown[];
  if (!Number.isSafeInteger(createdAtMs) || (createdAtMs as number) < 0) throw invalid();
  if (typeof requestId !== 'string' || typeof projectId !== 'string') throw invalid();
  return { createdAtMs: createdAtMs as number, requestId, projectId };
}

function invalid(): StoreError {
  return new StoreError('invalid_cursor', 'cursor is not a next_cursor returned by this API');
}
