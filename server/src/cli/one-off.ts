/** What the one-off commands (keys, users, report, prices) share: the store opened for one command, or a running server's API. */
import { resolve } from 'node:path';
import { openStore, type Store } from '@periscope/clickhouse';
import { ensureDataDir } from '../data-dir.ts';
import { env, option, UsageError } from './options.ts';

/** Opens the store named by --clickhouse-url or --data-dir (default .periscope) for a one-off command. */
export async function withStore<T>(values: Record<string, unknown>, work: (store: Store, dataDir: string | undefined) => Promise<T>): Promise<T> {
  const clickhouseUrl = option(values, 'clickhouse-url', 'PERISCOPE_CLICKHOUSE_URL');
  const dataDir = clickhouseUrl ? undefined : resolve(option(values, 'data-dir', 'PERISCOPE_DATA_DIR') ?? '.periscope');
  if (dataDir) ensureDataDir(dataDir);
  const store = await openStore(clickhouseUrl ? { url: clickhouseUrl } : { dataDir: dataDir! });
  try {
    await store.migrate();
    return await work(store, dataDir);
  } finally {
    await store.close();
  }
}

/** POSTs to a running Periscope's API with the admin token; the answer's JSON or the server's refusal. */
export async function postToServer<T>(url: string, path: string, body: unknown, what: string): Promise<T> {
  const token = env.PERISCOPE_ADMIN_TOKEN;
  if (!token) throw new UsageError(`${what} --url needs PERISCOPE_ADMIN_TOKEN (the admin token printed at first start)`);
  const res = await fetch(new URL(path, url), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as T & { error?: { message: string } };
  if (!res.ok) throw new Error(`the server refused: ${answer.error?.message ?? res.status}`);
  return answer;
}
