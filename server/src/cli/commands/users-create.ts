import { ApiError, createAccount, parseNewAccount } from '@periscope/control-plane';
import { postToServer, withStore } from '../one-off.ts';
import { option, UsageError } from '../options.ts';
import { readPassword } from '../read-password.ts';

export async function usersCreate(values: Record<string, unknown>): Promise<void> {
  const email = option(values, 'email');
  if (!email) throw new UsageError('users create needs --email EMAIL');
  const password = await readPassword('Password for the new account: ');
  const body = {
    email, password, role: option(values, 'role') ?? 'admin', name: option(values, 'name') ?? '',
    projects: (option(values, 'projects') ?? '').split(',').map((p) => p.trim()).filter(Boolean),
  };
  const url = option(values, 'url');
  const created = url
    ? await postToServer<{ email: string; role: string }>(url, '/api/accounts', body, 'users create')
    : await withStore(values, async (store) => {
      try {
        return await createAccount(store, parseNewAccount(body));
      } catch (err) {
        if (err instanceof ApiError) throw new UsageError(err.message);
        throw err;
      }
    });
  console.log(`Created the ${created.role} account ${created.email}; sign in to the UI with it.`);
}
