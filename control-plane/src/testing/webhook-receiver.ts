import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface ReceivedHook {
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as sent (signatures cover these bytes). */
  raw: string;
  body: Record<string, unknown>;
  at: number;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  received: ReceivedHook[];
  /** Answer the next `n` deliveries with this status (to exercise retries). */
  failNext(n: number, status: number): void;
  /** Resolves with the deliveries once `predicate` matches `count` of them (or throws after `timeoutMs`). */
  waitFor(predicate: (h: ReceivedHook) => boolean, count?: number, timeoutMs?: number): Promise<ReceivedHook[]>;
  close(): Promise<void>;
}

/** A real HTTP server on loopback that records every POST, for alert and report deliveries. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  let failures: { n: number; status: number } = { n: 0, status: 500 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failures.n > 0) {
        failures.n -= 1;
        res.writeHead(failures.status).end('try again');
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw) as Record<string, unknown>, at: Date.now() });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    failNext(n, status) {
      failures = { n, status };
    },
    async waitFor(predicate, count = 1, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const matching = received.filter(predicate);
        if (matching.length >= count) return matching;
        if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${count} deliveries; got ${matching.length}: ${JSON.stringify(received.map((r) => r.body))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
