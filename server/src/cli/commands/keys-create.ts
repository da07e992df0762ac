import { createKey } from '@periscope/control-plane';
import { loadOrCreateSecret } from '../../data-dir.ts';
import { postToServer, withStore } from '../one-off.ts';
import { env, option, UsageError } from '../options.ts';

export async function keysCreate(values: Record<string, unknown>): Promise<void> {
  const project = option(values, 'project');
  if (!project) throw new UsageError('keys create needs --project NAME');
  const name = option(values, 'name') ?? '';
  const url = option(values, 'url');
  const { key } = url
    ? await postToServer<{ key: string }>(url, '/api/keys', { project, name }, 'keys create')
    : await withStore(values, (store, dataDir) => createKey(store, loadOrCreateSecret(dataDir, env), { project, name }));
  console.log(`Created a gateway key for project "${project}" (shown once):`);
  console.log(key);
}
