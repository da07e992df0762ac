import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { EXPORT_FORMATS, type ExportFormat, type SqlExport } from '@periscope/clickhouse';
import type { ExportSlots } from './export-slots.ts';

/**
 * Aborted when the client goes away before its response is complete, so the query it asked
 * for stops in the engine instead of running to its time limit for nobody.
 */
export function clientGone(reply: FastifyReply): AbortSignal {
  const gone = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) gone.abort();
  });
  return gone.signal;
}

export interface ExportReply {
  slots: ExportSlots;
  /** Whose slot the export takes: an account, the admin token, a download link. */
  who: string;
  /** The file name without its extension. */
  name: string;
  format: ExportFormat;
  rowCap: number;
}

/**
 * Runs an export in one of its caller's slots (given back when the response closes, however
 * it ends) and streams it as a download. Bytes flow at the client's pace, one chunk at a time
 * (a byte stream, so the buffer is one chunk, not sixteen); a client that goes away, before
 * or after the first byte, stops the query and removes its file. A failure after the first
 * byte can only cut the response short.
 */
export async function replyWithExport(reply: FastifyReply, o: ExportReply, start: (signal: AbortSignal) => Promise<SqlExport>): Promise<FastifyReply> {
  const release = o.slots.take(o.who);
  reply.raw.once('close', release);
  const gone = clientGone(reply);
  const exp = await start(gone);
  if (gone.aborted) {
    // The client left as the export became ready: nobody will read its file.
    await exp.close();
    return reply;
  }
  reply.raw.once('close', () => void exp.close());
  const { contentType, extension } = EXPORT_FORMATS[o.format];
  const file = `${o.name}.${extension}`;
  return reply
    .header('content-type', contentType)
    .header('content-disposition', `attachment; filename="${file.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file)}`)
    .header('x-periscope-row-cap', String(o.rowCap))
    .header('cache-control', 'no-store')
    .send(Readable.from(exp, { objectMode: false }));
}
