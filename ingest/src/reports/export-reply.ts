import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { EXPORT_FORMATS, type ExportFormat, type SqlExport } from '@periscope/clickhouse';

/**
 * Streams an export as a download. Bytes flow at the client's pace, one engine chunk at a
 * time (a byte stream, so the buffer is one chunk, not sixteen); a client that goes away
 * cancels the query. A failure after the first byte can only cut the response short.
 */
export function sendExport(reply: FastifyReply, exp: SqlExport, name: string, format: ExportFormat, rowCap: number): FastifyReply {
  const { contentType, extension } = EXPORT_FORMATS[format];
  const file = `${name}.${extension}`;
  reply.raw.once('close', () => void exp.close());
  return reply
    .header('content-type', contentType)
    .header('content-disposition', `attachment; filename="${file.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file)}`)
    .header('x-periscope-row-cap', String(rowCap))
    .header('cache-control', 'no-store')
    .send(Readable.from(exp, { objectMode: false }));
}
