import { randomUUID } from 'node:crypto';
import { makeEvent } from '@periscope/clickhouse/testing';
import { apiRequest, newAccount, signIn } from './api-client.ts';
import type { GatewayHarness } from './gateway-harness.ts';

/**
 * Canaries planted where a viewer of project A must never read: project B's calls (every
 * column and both bodies), an account (email, name and its scrypt hash), a gateway key of B,
 * and a row in each of the other private tables (alert rules with a channel URL, alert states
 * and events, leases, saved reports and their runs). `leak(text)` names the first canary a
 * text carries, if any.
 */
export interface PlantedCanaries {
  projectA: string;
  projectB: string;
  /** A viewer of project A, signed in. */
  viewer: { cookie: string };
  /** The marker every canary contains. */
  marker: string;
  leak(text: string): string | undefined;
}

export async function plantCanaries(h: GatewayHarness): Promise<PlantedCanaries> {
  const marker = `cnry${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const c = (where: string) => `${marker}-${where}`;
  const projectA = (await h.newProject()).project;
  const projectB = (await h.newProject()).project;
  const store = h.server.store;
  const now = Date.now();

  await store.insertRequests([
    makeEvent({ project_id: projectA, model: 'gpt-4o', user_id: 'alice', request_body: '{"a":"own body"}', cost_usd: 1 }),
    makeEvent({
      project_id: projectB, model: c('model'), user_id: c('user'), session_id: c('session'), error_message: c('error'),
      properties: { team: c('property') }, request_body: `{"secret":"${c('request-body')}"}`, response_body: `{"secret":"${c('response-body')}"}`,
      key_id: c('key-id'), user_agent: c('agent'), cost_usd: 1000,
    }),
  ]);
  const account = await apiRequest(h.url, 'POST', '/api/accounts', { admin: true }, {
    email: `${c('email')}@example.com`, name: c('account-name'), password: `${c('password')}-long`, role: 'admin',
  });
  if (account.status !== 201) throw new Error(`canary account: ${account.status} ${account.text}`);
  // Its session proves the hash is stored and working, not only that the row exists.
  await signIn(h.url, `${c('email')}@example.com`, `${c('password')}-long`);
  const key = await apiRequest(h.url, 'POST', '/api/keys', { admin: true }, { project: projectB, name: c('key-name') });
  if (key.status !== 201) throw new Error(`canary key: ${key.status} ${key.text}`);
  const ruleId = c('rule-id');
  await store.saveAlertRule({
    rule_id: ruleId, version: 1, project_id: projectB, name: c('rule-name'), enabled: false, deleted: false,
    spec: JSON.stringify({ channels: [{ type: 'webhook', url: `https://hooks.example.com/${c('channel')}` }] }),
    created_at: now, created_by: c('creator'), updated_at: now, updated_by: c('creator'),
  });
  await store.saveAlertStates([{ rule_id: ruleId, group_key: c('group'), state: 'ok', value: 1, since: now, clear_since: null, last_notified_at: null, seq: 1, rule_version: 1, updated_at: now }]);
  await store.insertAlertEvents([{ event_id: c('event'), rule_id: ruleId, rule_version: 1, at: now, group_key: c('group'), kind: 'firing', value: 1, threshold: 0, deliveries: c('deliveries') }]);
  await store.claimLease(c('lease'), 1, c('holder'), 60_000);
  await store.saveReport({
    report_id: c('report-id'), project_id: projectB, name: c('report-name'), description: c('report-description'), sql: `SELECT '${c('report-sql')}'`,
    params: {}, schedule: '', delivery: c('delivery'), created_by: c('creator'), created_at: now, updated_at: now, deleted: false,
  });
  await store.recordReportRun({
    report_id: c('report-id'), project_id: projectB, scheduled_for: now, started_at: now, finished_at: now, ok: false, rows: 0, bytes: 0,
    error: c('run-error'), delivery: c('run-delivery'),
  });
  await store.recordResent([c('resent-id')]);
  const viewer = await newAccount(h.url, 'viewer', [projectA]);

  // The account's password hash is a canary of its own: any scrypt hash in an answer is a leak.
  const patterns = [marker, 'scrypt$'];
  return {
    projectA, projectB, viewer, marker,
    leak: (text) => patterns.find((p) => text.includes(p)),
  };
}
