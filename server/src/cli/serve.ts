import type { FastifyInstance } from 'fastify';
import { gcThreadsAdvice } from '@periscope/proxy';

/**
 * Pending connections the kernel queues for a gateway. Node's default (511) overflowed at
 * 2,000 new connections a second; the kernel caps it at net.core.somaxconn anyway.
 */
export const LISTEN_BACKLOG = 4096;

/**
 * SIGTERM/SIGINT: stop accepting, let in-flight calls finish for up to 20 s, then cut the
 * rest (each still logged, as client_aborted) so the pipeline has time to flush its queue
 * and fsync the spool before the hard exit at 30 s.
 */
export function exitOnSignal(app: FastifyInstance): void {
  const stop = async (signal: string) => {
    app.log.info({ signal }, 'shutting down: finishing in-flight calls and flushing events');
    // A keep-alive connection whose call just finished would otherwise hold close() open.
    setInterval(() => app.server.closeIdleConnections(), 250).unref();
    setTimeout(() => app.server.closeAllConnections(), 20_000).unref();
    setTimeout(() => process.exit(1), 30_000).unref();
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

/** A gateway confined to one CPU is told how to keep V8's GC threads off its calls (gc-threads.ts). */
export function adviseOnGcThreads(app: FastifyInstance): void {
  const advice = gcThreadsAdvice();
  if (advice !== undefined) app.log.warn(advice);
}
