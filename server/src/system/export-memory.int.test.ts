import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiRequest } from '../testing/api-client.ts';
import { ADMIN_TOKEN } from '../testing/gateway-harness.ts';
import { startPeriscopeProcess, type PeriscopeProcess } from '../testing/periscope-process.ts';

/**
 * A 1,000,000-row export through the API of a separate `periscope start`, read at the pace
 * of a client, while the server's resident memory is sampled from /proc: it must stay far
 * below the size of the export (the rows are never all in memory at once).
 */
let server: PeriscopeProcess;
let project: string;

beforeAll(async () => {
  server = await startPeriscopeProcess({ providers: {} });
  project = `p-export-${Date.now().toString(36)}`;
  const key = await apiRequest(server.url, 'POST', '/api/keys', { admin: true }, { project });
  expect(key.status).toBe(201);
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

it('streams 1,000,000 rows of CSV with bounded server memory', async () => {
  // Wide rows (~180 bytes of CSV each) that also read the scoped view, so the export is big.
  // (A CROSS JOIN here would not do: the engine emits a join's output in big blocks, +230 MiB.)
  const sql = `SELECT number, toString(number * 7919) AS s, repeat('x', 120) AS pad, 'a "quoted", value' AS q,
    (SELECT count() FROM requests) AS project_rows FROM numbers(1000000)`;
  const before = rssMiB(server.pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(server.pid))), 20);
  try {
  const started = performance.now();
  const res = await fetch(`${server.url}/api/sql/export?project=${project}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sql, format: 'csv' }),
  });
  expect(res.status, res.status === 200 ? '' : await res.text()).toBe(200);
  let bytes = 0;
  let newlines = 0;
  let firstByteMs = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (bytes === 0) firstByteMs = performance.now() - started;
    bytes += value.length;
    for (const b of value) if (b === 0x0a) newlines += 1;
  }
  const totalMs = performance.now() - started;
  const exportMiB = bytes / 1024 / 1024;
  console.log(
    `[export] 1,000,000 rows, ${exportMiB.toFixed(0)} MiB of CSV in ${(totalMs / 1000).toFixed(1)} s (first byte ${(firstByteMs / 1000).toFixed(1)} s); ` +
      `server RSS ${before.toFixed(0)} MiB before, ${peak.toFixed(0)} MiB at peak (+${(peak - before).toFixed(0)} MiB)`,
  );
  expect(newlines).toBe(1_000_001);
  expect(exportMiB).toBeGreaterThan(150);
  // Measured: +74 MiB for 160 MiB of CSV (chDB blocks of 8,192 rows, one chunk in memory at a time).
  expect(peak - before).toBeLessThan(120);
  } finally {
    clearInterval(sampler);
  }
}, 120_000);
