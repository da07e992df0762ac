import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ACCOUNT_ROLES, type AccountRecord, type AccountRole, type Store } from '@periscope/clickhouse';
import { ApiError } from '../errors.ts';
import { PROJECT_PATTERN, principalOf, requireAdmin } from './access.ts';
import type { LoginSessions } from './login-sessions.ts';
import { checkNewPassword, hashPassword } from './passwords.ts';

export interface AccountRoutesOptions {
  store: Store;
  sessions: LoginSessions;
}

export interface NewAccountSpec {
  email: string;
  password: string;
  role: AccountRole;
  projects: string[];
  name: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** An account as the API shows it: never the password hash. */
export const shownAccount = ({ password_hash: _hash, ...rest }: AccountRecord) => rest;

function role(value: unknown): AccountRole {
  if (!ACCOUNT_ROLES.includes(value as AccountRole)) throw new ApiError('invalid_body', `role must be one of ${ACCOUNT_ROLES.join(', ')}`);
  return value as AccountRole;
}

function projects(value: unknown): string[] {
  if (!Array.isArray(value) || value.length > 1000 || !value.every((p) => typeof p === 'string' && PROJECT_PATTERN.test(p))) {
    throw new ApiError('invalid_body', 'projects must be a list of project names (letters, digits, ".", "_" or "-")');
  }
  return [...new Set(value as string[])];
}

const nameOf = (value: unknown) => (typeof value === 'string' ? value.slice(0, 200) : '');

export function parseNewAccount(body: Record<string, unknown>): NewAccountSpec {
  const email = typeof body.email === 'string' ? body.email.trim().toLowerCase() : '';
  if (!EMAIL.test(email) || email.length > 254) throw new ApiError('invalid_body', 'email must be an email address');
  return { email, password: checkNewPassword(body.password), role: role(body.role), projects: projects(body.projects ?? []), name: nameOf(body.name) };
}

/** Creates an account; refuses an email that another account has. Used by the API and the CLI. */
export async function createAccount(store: Store, spec: NewAccountSpec): Promise<AccountRecord> {
  if (await store.findAccountByEmail(spec.email)) throw new ApiError('conflict', `An account with the email ${spec.email} exists already.`);
  const now = Date.now();
  const account: AccountRecord = {
    account_id: randomUUID(), email: spec.email, name: spec.name, role: spec.role, project_ids: spec.projects,
    password_hash: await hashPassword(spec.password), created_at: now, updated_at: now,
  };
  await store.insertAccount(account);
  return account;
}

/**
 * `/api/accounts`: admins manage who may sign in. (`/api/users` is the traffic per
 * Periscope-User-Id, a different thing.) An admin cannot delete or demote their own account,
 * so the UI cannot lock out the last person signed in; the admin token remains in any case.
 */
export async function accountRoutes(app: FastifyInstance, { store, sessions }: AccountRoutesOptions): Promise<void> {
  app.addHook('onRequest', async (request) => requireAdmin(request));

  async function existing(id: string): Promise<AccountRecord> {
    const account = await store.getAccount(id);
    if (!account) throw new ApiError('not_found', `No account ${id}`);
    return account;
  }

  app.get('/api/accounts', async () => ({ data: (await store.listAccounts()).map(shownAccount) }));

  app.post('/api/accounts', async (request, reply) => {
    const account = await createAccount(store, parseNewAccount((request.body ?? {}) as Record<string, unknown>));
    reply.code(201);
    return shownAccount(account);
  });

  app.patch('/api/accounts/:id', async (request) => {
    const { id } = request.params as { id: string };
    const body = (request.body ?? {}) as Record<string, unknown>;
    const account = await existing(id);
    const next: AccountRecord = { ...account, updated_at: Date.now() };
    if (body.role !== undefined) next.role = role(body.role);
    if (body.projects !== undefined) next.project_ids = projects(body.projects);
    if (body.name !== undefined) next.name = nameOf(body.name);
    if (body.password !== undefined) next.password_hash = await hashPassword(checkNewPassword(body.password));
    if (principalOf(request).account_id === id && next.role !== account.role) throw new ApiError('invalid_body', 'You cannot change your own role.');
    if (!(await store.updateAccount(next))) throw new ApiError('not_found', `No account ${id}`);
    // A new password ends the sessions the old one started.
    if (body.password !== undefined) sessions.deleteAccount(id);
    return shownAccount(next);
  });

  app.delete('/api/accounts/:id', async (request) => {
    const { id } = request.params as { id: string };
    if (principalOf(request).account_id === id) throw new ApiError('invalid_body', 'You cannot delete your own account.');
    if (!(await store.deleteAccount(id, Date.now()))) throw new ApiError('not_found', `No account ${id}`);
    sessions.deleteAccount(id);
    return { account_id: id, deleted: true };
  });
}
