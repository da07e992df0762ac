import { StoreError } from '../errors.ts';

/**
 * The position after the last row of a page, in the list order (created_at, request_id,
 * project_id). project_id completes the order: two projects may log the same client-chosen
 * request id at the same millisecond.
 */
export interface CursorPosition {
  createdAtMs: number;
  requestId: string;
  projectId: string;
}

/** Cursors are base64url JSON arrays: opaque to clients, checked field by field on the way back. */
export function encodeParts(parts: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeParts(cursor: string): unknown[] {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(decoded)) throw invalidCursor();
  return decoded;
}

/** The newest-first list cursor (the default order). */
export function encodeCursor(p: CursorPosition): string {
  return encodeParts([p.createdAtMs, p.requestId, p.projectId]);
}

export function decodeCursor(cursor: string): CursorPosition {
  const parts = decodeParts(cursor);
  if (parts.length !== 3) throw invalidCursor();
  return positionOf(parts);
}

/** The oldest-first list cursor; tagged so that it cannot be replayed against the other order. */
export function encodeAscendingCursor(p: CursorPosition): string {
  return encodeParts(['asc', p.createdAtMs, p.requestId, p.projectId]);
}

export function decodeAscendingCursor(cursor: string): CursorPosition {
  const parts = decodeParts(cursor);
  if (parts.length !== 4 || parts[0] !== 'asc') throw invalidCursor();
  return positionOf(parts.slice(1));
}

/**
 * Sorting by anything but time pages by offset: the sort column is not unique and not in the
 * primary key, so a keyset would need a tuple over four columns for little gain. Tagged with
 * the sort it belongs to.
 */
export function encodeOffsetCursor(sortKey: string, offset: number): string {
  return encodeParts(['offset', sortKey, offset]);
}

export function decodeOffsetCursor(cursor: string, sortKey: string): number {
  const [tag, key, offset, ...rest] = decodeParts(cursor);
  if (tag !== 'offset' || key !== sortKey || rest.length > 0) throw invalidCursor();
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) throw invalidCursor();
  return offset as number;
}

function positionOf([createdAtMs, requestId, projectId]: unknown[]): CursorPosition {
  if (!Number.isSafeInteger(createdAtMs) || (createdAtMs as number) < 0) throw invalidCursor();
  if (typeof requestId !== 'string' || typeof projectId !== 'string') throw invalidCursor();
  return { createdAtMs: createdAtMs as number, requestId, projectId };
}

export function invalidCursor(): StoreError {
  return new StoreError('invalid_cursor', 'cursor is not a next_cursor returned by this API for this query');
}
