/**
 * Periscope (the embedded server: gateway, in-process event queue, batch writer into chDB) in its
 * own process, so process.cpuUsage() here is the gateway's CPU alone. argv[2] is the mock's URL.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@periscope/proxy';
// @periscope/ingest has no package entry point yet, so the server module is imported by path.
import { startEmbedded } from '../../ingest/src/server.ts';
import { serveParent } from './child-protocol.ts';

const ADMIN_TOKEN = 'x';
const COUNTERS = ['periscope_events_emitted_total', 'periscope_events_dropped_total', 'periscope_ingest_inserted_total'];

async function main() {
  const mockUrl = process.argv[2];
  if (!mockUrl) throw new Error('usage: gateway-child.ts <mock url>');
  const dataDir = await mkdtemp(join(tmpdir(), 'periscope-bench-'));
  const config = parseConfig({ providers: { openai: { type: 'openai', base_url: `${mockUrl}/v1`, api_key: 'sk-bench-configured-key' } } }, {});
  const server = await startEmbedded({ dataDir, config, env: { PERISCOPE_ADMIN_TOKEN: ADMIN_TOKEN }, logger: false });
  const url = (await server.app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');

  const res = await fetch(`${url}/api/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ project: 'bench', name: 'bench' }),
  });
  if (res.status !== 200 && res.status !== 201) throw new Error(`POST /api/keys: ${res.status} ${await res.text()}`);
  const { key } = (await res.json()) as { key: string };

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.app.close();
    await rm(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());

  serveParent({ url, info: { key } }, async () => {
    // Every event queued during the run must be in ClickHouse before the counters are read,
    // so "logging on" means the rows were written, not merely queued.
    await server.flush();
    const text = await (await fetch(`${url}/metrics`)).text();
    const counters: Record<string, number> = {};
    for (const name of COUNTERS) {
      counters[name] = text.split('\n')
        .filter((line) => line.startsWith(name))
        .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    }
    return { counters };
  });
}

main().catch((err: unknown) => {
  process.send?.({ type: 'failed', error: err instanceof Error ? err.stack ?? err.message : String(err) });
  process.exit(1);
});
