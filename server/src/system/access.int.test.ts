import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { RequestRow } from '@periscope/clickhouse';
import { apiRequest, newAccount, type ApiAnswer, type As } from '../testing/api-client.ts';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

/**
 * The BOLA matrix: project A's member, viewer and gateway key, and callers with no or dead
 * credentials, against everything of project B: each gets 401, 403 or 404 and never B's
 * data. Then what each role may do in its own project.
 */
let h: GatewayHarness;

interface ProjectFixture {
  project: string;
  key: string;
  key_id: string;
  request_id: string;
  session_id: string;
  /** A word only this project's traffic contains (prompt, user id, property). */
  canary: string;
}

let A: ProjectFixture;
let B: ProjectFixture;
let memberA: { cookie: string; account_id: string };
let viewerA: { cookie: string; account_id: string };
let revokedKey: string;
let expiredKey: string;
/** An alert rule and a saved report of project B, named with B's canary. */
let ruleB: string;
let reportB: string;

async function project(label: string): Promise<ProjectFixture> {
  const { project, key } = await h.newProject();
  const canary = `canary${label}${randomUUID().slice(0, 8)}`;
  const session_id = `session-${randomUUID()}`;
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'periscope-auth': `Bearer ${key}`, authorization: 'Bearer sk-client-0123456789abcdef', 'content-type': 'application/json', 'periscope-user-id': `user-${canary}`,
      'periscope-session-id': session_id, 'periscope-property-team': canary,
    },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `secret plans ${canary}` }] }),
  });
  expect(res.status).toBe(200);
  await res.text();
  const [row] = await h.rows(project);
  return { project, key, key_id: row!.key_id, request_id: row!.request_id, session_id, canary };
}

beforeAll(async () => {
  // A budget on a project A's users cannot read: its name and amount must not reach them.
  h = await startGatewayHarness(() => ({}), { config: () => ({ limits: [{ match: { project: 'hidden-budget-project' }, budget_usd: { month: 5 } }, { match: { project: '*' }, budget_usd: { day: 1 } }] }) });
  [A, B] = [await project('A'), await project('B')];
  memberA = await newAccount(h.url, 'member', [A.project]);
  viewerA = await newAccount(h.url, 'viewer', [A.project]);

  const revoked = await apiRequest<{ key: string; key_id: string }>(h.url, 'POST', '/api/keys', { admin: true }, { project: A.project });
  await apiRequest(h.url, 'DELETE', `/api/keys/${revoked.body.key_id}`, { admin: true });
  revokedKey = revoked.body.key;
  const expiring = await apiRequest<{ key: string }>(h.url, 'POST', '/api/keys', { admin: true }, { project: A.project, expires_at: Date.now() + 300 });
  expiredKey = expiring.body.key;
  await new Promise((r) => setTimeout(r, 400));
  const rule = await apiRequest<{ id: string }>(h.url, 'POST', '/api/alerts', { admin: true }, alertRule(B.project));
  expect(rule.status, rule.text).toBe(201);
  ruleB = rule.body.id;
  const report = await apiRequest<{ id: string }>(h.url, 'POST', '/api/reports', { admin: true }, savedReport(B.project));
  expect(report.status, report.text).toBe(201);
  reportB = report.body.id;
});

const savedReport = (project: string) => ({
  project, name: `report ${project === B?.project ? B.canary : 'a'}`, sql: 'SELECT user_id, count() AS n FROM requests GROUP BY user_id',
});
const USERS_SQL = { sql: 'SELECT user_id, count() AS n FROM requests GROUP BY user_id' };

const alertRule = (project: string) => ({
  name: `rule ${project === B?.project ? B.canary : 'a'}`, metric: 'error_rate', window: '5m', comparator: '>', threshold: 0.5,
  interval: '1m', project, channels: [{ type: 'webhook', url: 'https://hooks.example.com/periscope' }],
});
afterAll(async () => h?.close());

/** Everything of project B a caller could try to read: by id (404, as if it did not exist) or by filter (403). */
const reads = (): Array<[string, number]> => [
  [`/api/requests/${B.request_id}`, 404],
  [`/api/requests/${B.request_id}?project=${B.project}`, 403],
  [`/api/requests?project=${B.project}`, 403],
  [`/api/requests?project=${B.project}&q=${B.canary}`, 403],
  [`/api/sessions/${B.session_id}`, 404],
  [`/api/sessions/${B.session_id}?project=${B.project}`, 403],
  [`/api/sessions?project=${B.project}`, 403],
  [`/api/metrics/summary?project=${B.project}`, 403],
  [`/api/metrics/timeseries?metric=requests&project=${B.project}`, 403],
  [`/api/users?project=${B.project}`, 403],
  [`/api/properties?project=${B.project}`, 403],
  [`/api/filters/values?field=model&project=${B.project}`, 403],
  [`/api/keys?project=${B.project}`, 403],
  [`/api/alerts?project=${B.project}`, 403],
  [`/api/alerts/${ruleB}`, 404],
  [`/api/alerts/${ruleB}/history`, 404],
  [`/api/alerts/${ruleB}/versions`, 404],
  [`/api/reports?project=${B.project}`, 403],
  [`/api/reports/${reportB}`, 404],
  [`/api/reports/${reportB}/runs`, 404],
  [`/api/reports/${reportB}/export?format=csv`, 404],
];

const writes = () => [
  ['POST', '/api/keys', { project: B.project, name: 'intruder' }],
  ['DELETE', `/api/keys/${B.key_id}`, undefined],
  ['DELETE', `/api/keys/${B.key_id}?project=${B.project}`, undefined],
  ['POST', '/api/alerts', alertRule(B.project)],
  ['PUT', `/api/alerts/${ruleB}`, alertRule(B.project)],
  ['DELETE', `/api/alerts/${ruleB}`, undefined],
  ['POST', `/api/alerts/${ruleB}/test`, undefined],
  ['POST', '/api/reports', savedReport(B.project)],
  ['PUT', `/api/reports/${reportB}`, savedReport(B.project)],
  ['DELETE', `/api/reports/${reportB}`, undefined],
  ['POST', `/api/reports/${reportB}/run`, {}],
  ['POST', `/api/reports/${reportB}/deliver`, {}],
  ['POST', `/api/sql?project=${B.project}`, USERS_SQL],
  ['POST', `/api/sql/export?project=${B.project}`, { ...USERS_SQL, format: 'csv' }],
] as const;

const adminOnly = () => [
  ['GET', '/api/accounts', undefined],
  ['POST', '/api/accounts', { email: 'intruder@example.com', password: 'long enough password', role: 'admin' }],
  ['PATCH', `/api/accounts/${viewerA.account_id}`, { role: 'admin' }],
  ['DELETE', `/api/accounts/${viewerA.account_id}`, undefined],
  ['GET', '/api/keys/snapshot', undefined],
] as const;

/** None of B's data: no id of its objects (unless the caller sent it), no word of its traffic. */
function expectNothingOfB(res: ApiAnswer, sent: string) {
  expect(res.text, sent).not.toContain(B.canary);
  for (const id of [B.request_id, B.session_id, B.key_id, B.key]) if (!sent.includes(id)) expect(res.text, sent).not.toContain(id);
}

async function expectRefused(as: As, method: string, path: string, body: unknown, allowed: number[]) {
  const res = await apiRequest(h.url, method, path, as, body);
  expect(allowed, `${method} ${path} → ${res.status} ${res.text}`).toContain(res.status);
  expectNothingOfB(res, `${method} ${path} ${JSON.stringify(body ?? '')}`);
}

describe('project A\'s callers against project B', () => {
  const users = () => [['member', memberA], ['viewer', viewerA]] as const;

  it('A\'s member and viewer cannot read B by id (404) or by filter (403)', async () => {
    for (const [, user] of users()) {
      for (const [path, status] of reads()) await expectRefused({ cookie: user.cookie }, 'GET', path, undefined, [status]);
    }
  });

  it('A\'s member and viewer see only A in unfiltered reads', async () => {
    for (const [, user] of users()) {
      const as = { cookie: user.cookie };
      const log = await apiRequest<{ data: RequestRow[] }>(h.url, 'GET', '/api/requests', as);
      expect(log.status).toBe(200);
      expect(new Set(log.body.data.map((r) => r.project_id))).toEqual(new Set([A.project]));
      for (const path of ['/api/alerts', '/api/reports', '/api/requests', '/api/sessions', '/api/metrics/summary', '/api/metrics/timeseries?metric=requests&group_by=key_id', '/api/users', '/api/properties', '/api/filters/values?field=key_id', '/api/keys', `/api/requests?q=${B.canary}`]) {
        const res = await apiRequest(h.url, 'GET', path, as);
        expect(res.status, path).toBe(200);
        expectNothingOfB(res, path);
      }
      const sql = await apiRequest(h.url, 'POST', '/api/sql', as, USERS_SQL);
      expect(sql.status, sql.text).toBe(200);
      expect(sql.text).toContain(A.canary);
      expectNothingOfB(sql, 'POST /api/sql');
      const summary = await apiRequest<{ current: { requests: number } }>(h.url, 'GET', '/api/metrics/summary', as);
      expect(summary.body.current.requests).toBe(1);
      expect(((await apiRequest<{ data: { project_id: string }[] }>(h.url, 'GET', '/api/keys', as)).body.data).every((k) => k.project_id === A.project)).toBe(true);
    }
  });

  it('budgets on other projects stay hidden from A\'s member and viewer; policy budgets (`*`) stay visible', async () => {
    const admin = await apiRequest<{ data: { match: { project?: string } }[] }>(h.url, 'GET', '/api/alerts/budgets', { admin: true });
    expect(admin.body.data.map((b) => b.match.project)).toEqual(['hidden-budget-project', '*']);
    for (const [, user] of users()) {
      const res = await apiRequest<{ data: { match: { project?: string } }[] }>(h.url, 'GET', '/api/alerts/budgets', { cookie: user.cookie });
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('hidden-budget-project');
      expect(res.body.data.map((b) => b.match.project)).toEqual(['*']);
    }
  });

  it('A\'s member cannot create or revoke B\'s keys, change B\'s alerts or reports or query B (403/404); B\'s key, rule and report are untouched', async () => {
    for (const [, user] of users()) {
      for (const [method, path, body] of writes()) await expectRefused({ cookie: user.cookie }, method, path, body, [403, 404]);
    }
    const stillWorks = await fetch(`${h.url}/v1/models`, { headers: { 'periscope-auth': `Bearer ${B.key}`, authorization: 'Bearer sk-client-0123456789abcdef' } });
    expect(stillWorks.status).toBe(200);
    const bKeys = await apiRequest<{ data: { key_id: string; revoked_at: number | null }[] }>(h.url, 'GET', `/api/keys?project=${B.project}`, { admin: true });
    expect(bKeys.body.data.find((k) => k.key_id === B.key_id)?.revoked_at).toBeNull();
    expect(bKeys.body.data.map((k) => k.key_id)).toEqual([B.key_id]);
    const rule = await apiRequest<{ version: number }>(h.url, 'GET', `/api/alerts/${ruleB}`, { admin: true });
    expect(rule.status).toBe(200);
    expect(rule.body.version).toBe(1);
    expect((await apiRequest(h.url, 'GET', `/api/reports/${reportB}`, { admin: true })).status).toBe(200);
  });

  it('a report download link without a valid signature gives nobody B\'s report', async () => {
    for (const as of [null, { cookie: memberA.cookie }] as As[]) {
      for (const q of ['format=csv', `format=csv&expires=${Date.now() + 60_000}&signature=forged`]) {
        await expectRefused(as, 'GET', `/api/reports/${reportB}/download?${q}`, undefined, [400, 401, 403, 404]);
      }
    }
  });

  it('members and viewers cannot manage accounts or read the key snapshot (403)', async () => {
    for (const [, user] of users()) {
      for (const [method, path, body] of adminOnly()) await expectRefused({ cookie: user.cookie }, method, path, body, [403]);
    }
    const accounts = await apiRequest<{ data: { account_id: string; role: string }[] }>(h.url, 'GET', '/api/accounts', { admin: true });
    expect(accounts.body.data.find((a) => a.account_id === viewerA.account_id)?.role).toBe('viewer');
    expect(accounts.text).not.toContain('intruder@example.com');
  });

  it('gateway keys (A\'s, revoked, expired), no credential, a wrong token and a forged cookie get 401 everywhere', async () => {
    const callers: Array<[string, As]> = [
      ['A\'s gateway key', { bearer: A.key }], ['a revoked key', { bearer: revokedKey }], ['an expired key', { bearer: expiredKey }],
      ['nothing', null], ['a wrong token', { bearer: 'pat_not-the-admin-token' }], ['a forged cookie', { cookie: 'periscope_session=forged' }],
    ];
    const everything = [...reads().map(([p]) => ['GET', p, undefined] as const), ...writes(), ...adminOnly(), ['GET', '/api/requests', undefined] as const];
    for (const [, as] of callers) {
      for (const [method, path, body] of everything) await expectRefused(as, method, path, body, [401]);
    }
  });

  it('revoked and expired keys cannot use the gateway either', async () => {
    for (const key of [revokedKey, expiredKey]) {
      const res = await fetch(`${h.url}/v1/models`, { headers: { 'periscope-auth': `Bearer ${key}` } });
      expect(res.status).toBe(401);
    }
  });
});

describe('roles in their own project', () => {
  it('a viewer reads but cannot create or revoke keys (403)', async () => {
    const as = { cookie: viewerA.cookie };
    expect((await apiRequest(h.url, 'GET', `/api/requests/${A.request_id}`, as)).status).toBe(200);
    expect((await apiRequest(h.url, 'GET', `/api/sessions/${A.session_id}`, as)).status).toBe(200);
    expect((await apiRequest(h.url, 'POST', '/api/keys', as, { project: A.project })).status).toBe(403);
    expect((await apiRequest(h.url, 'DELETE', `/api/keys/${A.key_id}`, as)).status).toBe(403);
    expect((await apiRequest(h.url, 'POST', '/api/alerts', as, alertRule(A.project))).status).toBe(403);
    expect((await apiRequest(h.url, 'POST', '/api/reports', as, savedReport(A.project))).status).toBe(403);
    const session = await apiRequest<{ role: string; projects: string[] }>(h.url, 'GET', '/api/session', as);
    expect(session.body).toMatchObject({ role: 'viewer', projects: [A.project] });
  });

  it('a member creates and revokes keys in its project, only with the CSRF header', async () => {
    const as = { cookie: memberA.cookie };
    const forged = await apiRequest(h.url, 'POST', '/api/keys', as, { project: A.project }, { csrf: false });
    expect(forged.status).toBe(403);
    const created = await apiRequest<{ key: string; key_id: string }>(h.url, 'POST', '/api/keys', as, { project: A.project, name: 'member made' });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^psk_/);
    expect((await apiRequest(h.url, 'DELETE', `/api/keys/${created.body.key_id}`, as, undefined, { csrf: false })).status).toBe(403);
    expect((await apiRequest(h.url, 'DELETE', `/api/keys/${created.body.key_id}`, as)).status).toBe(200);
  });

  it('an account changed by an admin has its new role at once; a deleted one is signed out', async () => {
    const user = await newAccount(h.url, 'member', [A.project]);
    const as = { cookie: user.cookie };
    expect((await apiRequest(h.url, 'PATCH', `/api/accounts/${user.account_id}`, { admin: true }, { role: 'viewer' })).status).toBe(200);
    expect((await apiRequest(h.url, 'POST', '/api/keys', as, { project: A.project })).status).toBe(403);
    expect((await apiRequest(h.url, 'PATCH', `/api/accounts/${user.account_id}`, { admin: true }, { role: 'member', projects: [B.project] })).status).toBe(200);
    expect((await apiRequest(h.url, 'GET', `/api/requests/${A.request_id}`, as)).status).toBe(404);
    expect((await apiRequest(h.url, 'GET', `/api/requests/${B.request_id}`, as)).status).toBe(200);
    expect((await apiRequest(h.url, 'DELETE', `/api/accounts/${user.account_id}`, { admin: true })).status).toBe(200);
    expect((await apiRequest(h.url, 'GET', '/api/requests', as)).status).toBe(401);
  });

  it('an admin account sees every project', async () => {
    const admin = await newAccount(h.url, 'admin', []);
    const as = { cookie: admin.cookie };
    for (const p of [A, B]) expect((await apiRequest(h.url, 'GET', `/api/requests/${p.request_id}`, as)).status).toBe(200);
    expect((await apiRequest(h.url, 'GET', '/api/accounts', as)).status).toBe(200);
    // It cannot lock itself out.
    expect((await apiRequest(h.url, 'DELETE', `/api/accounts/${admin.account_id}`, as)).status).toBe(400);
    expect((await apiRequest(h.url, 'PATCH', `/api/accounts/${admin.account_id}`, as, { role: 'viewer' })).status).toBe(400);
  });
});
