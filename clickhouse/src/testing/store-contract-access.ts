import { describe, expect, it } from 'vitest';
import { StoreError } from '../errors.ts';
import type { AccountRecord, Store } from '../store.ts';
import { makeAccount, makeEvent, makeKey, newProjectId } from './fixtures.ts';

/** Key restrictions, last use, and accounts; registered by storeContract. */
export function accessContract(getStore: () => Store): void {
  describe('key restrictions and last use', () => {
    it('round-trips allowed models and every limit, and leaves absent limits absent', async () => {
      const store = getStore();
      const project = newProjectId('limits');
      const full = makeKey({
        project_id: project, allowed_models: ['gpt-4o-mini', 'claude-*'],
        limits: { rpm: 60, tpm: 100_000, concurrency: 4, budget_usd: { day: 1.5, week: 7, month: 25.25 } },
      });
      const partial = makeKey({ project_id: project, created_at: full.created_at - 1_000, limits: { budget_usd: { week: 3 } } });
      const none = makeKey({ project_id: project, created_at: full.created_at - 2_000 });
      for (const key of [full, partial, none]) await store.insertKey(key);
      expect(await store.listKeys([project])).toEqual([full, partial, none]);
      expect(await store.findKeyByHash(full.key_hash)).toEqual(full);
      await store.revokeKey(full.key_id, Date.now());
      expect((await store.findKeyByHash(full.key_hash))?.limits).toEqual(full.limits);
    });

    it('derives the last call of each key, to the minute, from logged rows', async () => {
      const store = getStore();
      const a = newProjectId('used');
      const b = newProjectId('used');
      const t = Date.UTC(2026, 0, 15, 10, 42, 31, 500);
      await store.insertRequests([
        makeEvent({ project_id: a, key_id: 'key_a1', created_at: t - 3_600_000 }),
        makeEvent({ project_id: a, key_id: 'key_a1', created_at: t }),
        makeEvent({ project_id: a, key_id: 'key_a2', created_at: t - 86_400_000 }),
        makeEvent({ project_id: b, key_id: 'key_b1', created_at: t }),
      ]);
      const minute = Date.UTC(2026, 0, 15, 10, 42);
      expect(await store.keysLastUsed([a])).toEqual({ key_a1: minute, key_a2: minute - 86_400_000 });
      expect(await store.keysLastUsed([a, b])).toMatchObject({ key_a1: minute, key_b1: minute });
      expect(await store.keysLastUsed([])).toEqual({});
      expect(await store.keysLastUsed()).toMatchObject({ key_a1: minute, key_b1: minute });
    });
  });

  describe('accounts', () => {
    const unique = (a: AccountRecord[], id: string) => a.filter((x) => x.account_id === id);

    it('inserts, finds by id and by email case-insensitively, and lists', async () => {
      const store = getStore();
      const account = makeAccount({ email: `Ada-${newProjectId()}@Example.com`, role: 'viewer', project_ids: ['p1', "p'2"], name: '艾达' });
      await store.insertAccount(account);
      const stored = { ...account, email: account.email.toLowerCase() };
      expect(await store.getAccount(account.account_id)).toEqual(stored);
      expect(await store.findAccountByEmail(account.email.toUpperCase())).toEqual(stored);
      expect(await store.findAccountByEmail('nobody@example.com')).toBeNull();
      expect(await store.getAccount('no-such-account')).toBeNull();
      expect(unique(await store.listAccounts(), account.account_id)).toEqual([stored]);
    });

    it('updates by writing a new version that reads replace the old one with', async () => {
      const store = getStore();
      const account = makeAccount();
      await store.insertAccount(account);
      const changed = { ...account, role: 'admin' as const, project_ids: [], password_hash: 'scrypt$new', updated_at: Date.now() };
      expect(await store.updateAccount(changed)).toBe(true);
      expect(await store.getAccount(account.account_id)).toEqual(changed);
      expect(unique(await store.listAccounts(), account.account_id)).toEqual([changed]);
      expect(await store.updateAccount(makeAccount())).toBe(false);
    });

    it('deletes: the account is gone everywhere, cannot be updated, and its email can be used again', async () => {
      const store = getStore();
      const account = makeAccount();
      await store.insertAccount(account);
      expect(await store.deleteAccount(account.account_id, Date.now())).toBe(true);
      expect(await store.getAccount(account.account_id)).toBeNull();
      expect(await store.findAccountByEmail(account.email)).toBeNull();
      expect(unique(await store.listAccounts(), account.account_id)).toEqual([]);
      expect(await store.updateAccount(account)).toBe(false);
      expect(await store.deleteAccount(account.account_id, Date.now())).toBe(false);

      const again = makeAccount({ email: account.email });
      await store.insertAccount(again);
      expect((await store.findAccountByEmail(account.email))?.account_id).toBe(again.account_id);
    });

    it('refuses an unknown role', async () => {
      const err = await getStore().insertAccount(makeAccount({ role: 'owner' as never })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).code).toBe('invalid_argument');
    });
  });
}
