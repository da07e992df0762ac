import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AlertRuleRecord, AlertStateRecord } from '@periscope/clickhouse';
import type { PeriscopeConfig } from '@periscope/contract';
import { ApiError } from '../errors.ts';
import { findBudget, listBudgets } from '../alerts/budgets.ts';
import { channelContextFromConfig, sendNotification, SecretBox } from '../alerts/channels/index.ts';
import { logLink } from '../alerts/log-link.ts';
import { alertNotification } from '../alerts/notification.ts';
import { evaluateRule } from '../alerts/rule-evaluation.ts';
import { parseRuleInput, type RuleInput } from '../alerts/rule-input.ts';
import { fromRecord, ruleResponse, toRecord } from '../alerts/rule-record.ts';
import { type AlertRule } from '@periscope/contract';
import { breaches } from '../alerts/rule-functions.ts';
import { canRead, principalOf, requireAdmin, requireWrite } from './access.ts';
import { int, one, time, type Query } from './query-params.ts';
import type { ReadRoutesOptions } from './read-routes-options.ts';

export interface AlertRoutesOptions extends ReadRoutesOptions {
  keySecret: Buffer;
  /** The config in effect: budgets (`limits:`) and channel policy (`alerts:`). */
  config: () => PeriscopeConfig;
  /** Tells this process's evaluator at once (other workers reload rules within seconds). */
  onRulesChanged?: (ruleId: string) => void;
}

/**
 * `/api/alerts`: rules (create, list with their current state, read, update as a new
 * version, delete), a rule's history and versions, a test send, a preview of a rule's value
 * now, and the budgets a rule may watch. A rule on one project is read by whoever reads the
 * project and changed by its writers; a rule on every project is an admin's.
 */
export async function alertRoutes(app: FastifyInstance, o: AlertRoutesOptions): Promise<void> {
  const { store } = o;
  const box = new SecretBox(o.keySecret);

  const mayRead = (request: FastifyRequest, project: string | null) => {
    const p = principalOf(request);
    return project === null ? p.projects === null : canRead(p, project);
  };
  const requireRuleWrite = (request: FastifyRequest, project: string | null) => (project === null ? requireAdmin(request) : requireWrite(request, project));
  const author = (request: FastifyRequest) => principalOf(request).email ?? 'admin token';

  /** A rule the caller may read, with secrets in clear (for updates and sends; never returned as is). */
  async function ruleFor(request: FastifyRequest): Promise<AlertRule> {
    const { id } = request.params as { id: string };
    const record = await store.getAlertRule(id);
    if (!record || !mayRead(request, record.project_id || null)) throw new ApiError('not_found', `No alert rule ${id}`);
    return fromRecord(record, box);
  }

  function checkInput(input: RuleInput): void {
    const budget = input.definition.budget;
    if (budget && !findBudget(budget, o.config().limits)) {
      throw new ApiError('invalid_body', `budget: no budget in the config's limits has match ${JSON.stringify(budget.match)} and a ${budget.period} amount (GET /api/alerts/budgets lists them)`);
    }
  }

  async function save(rule: AlertRule): Promise<void> {
    await store.saveAlertRule(toRecord(rule, box));
    o.onRulesChanged?.(rule.id);
  }

  app.get('/api/alerts', async (request) => {
    const q = request.query as Query;
    const requested = one(q, 'project');
    const projects = await o.projectsFor(request);
    const scopes = requested || principalOf(request).projects !== null ? projects : [...projects, ''];
    const records = await store.listAlertRules(scopes);
    const states = await store.listAlertStates(records.map((r) => r.rule_id));
    return { data: records.map((r) => withStatus(fromRecord(r, box), states)) };
  });

  // A budget on one named project is that project's business; `*` and other dimensions are policy anyone signed in may see.
  app.get('/api/alerts/budgets', async (request) => {
    const p = principalOf(request);
    const visible = (project: string | undefined) => project === undefined || project === '*' || canRead(p, project);
    return { data: listBudgets(o.config().limits).filter((b) => visible(b.match.project)) };
  });

  app.post('/api/alerts', async (request, reply) => {
    const input = parseRuleInput(request.body);
    requireRuleWrite(request, input.project);
    checkInput(input);
    const now = Date.now();
    const rule: AlertRule = {
      ...input.definition, id: `alr_${randomUUID().replace(/-/g, '').slice(0, 20)}`, version: 1, name: input.name, project: input.project,
      enabled: input.enabled, created_at: now, created_by: author(request), updated_at: now, updated_by: author(request),
    };
    await save(rule);
    reply.code(201);
    return withStatus(rule, []);
  });

  // A rule's value per group right now, as the evaluator would see it: for the editor's preview.
  app.post('/api/alerts/preview', async (request) => {
    const input = parseRuleInput(request.body);
    // A read: whoever may read the rule's project may see what it would say.
    if (!mayRead(request, input.project)) throw new ApiError('forbidden', `You have no access to ${input.project === null ? 'every project' : `project ${input.project}`}.`);
    checkInput(input);
    const evaluation = await evaluateRule({ ...input.definition, project: input.project }, {
      store, limits: o.config().limits, now: Date.now(), allProjects: () => o.projectsFor(request),
    });
    const { comparator, threshold } = input.definition;
    return {
      from: new Date(evaluation.from).toISOString(),
      to: new Date(evaluation.to).toISOString(),
      groups: evaluation.observations.map((obs) => ({ ...obs, breaching: obs.value !== null && breaches(obs.value, comparator, threshold) })),
    };
  });

  app.get('/api/alerts/:id', async (request) => {
    const rule = await ruleFor(request);
    return withStatus(rule, await store.listAlertStates([rule.id]));
  });

  app.put('/api/alerts/:id', async (request) => {
    const current = await ruleFor(request);
    const body = request.body as { version?: unknown } | undefined;
    if (body?.version !== undefined && body.version !== current.version) {
      throw new ApiError('conflict', `The rule changed since you read it (now version ${current.version}); read it again and retry.`);
    }
    const input = parseRuleInput(request.body, current.channels);
    requireRuleWrite(request, current.project);
    requireRuleWrite(request, input.project);
    checkInput(input);
    const rule: AlertRule = {
      ...input.definition, id: current.id, version: current.version + 1, name: input.name, project: input.project, enabled: input.enabled,
      created_at: current.created_at, created_by: current.created_by, updated_at: Date.now(), updated_by: author(request),
    };
    await save(rule);
    return withStatus(rule, await store.listAlertStates([rule.id]));
  });

  app.delete('/api/alerts/:id', async (request) => {
    const current = await ruleFor(request);
    requireRuleWrite(request, current.project);
    const record: AlertRuleRecord = toRecord({ ...current, version: current.version + 1, updated_at: Date.now(), updated_by: author(request) }, box, true);
    await store.saveAlertRule(record);
    o.onRulesChanged?.(current.id);
    return { id: current.id, deleted: true };
  });

  app.get('/api/alerts/:id/history', async (request) => {
    const rule = await ruleFor(request);
    const q = request.query as Query;
    const limit = int(q, 'limit', 1, 1000) ?? 100;
    const events = await store.listAlertEvents({ rule_id: rule.id, limit, before: time(q, 'before') });
    return {
      data: events.map((e) => ({
        id: e.event_id, at: new Date(e.at).toISOString(), kind: e.kind, state: e.kind === 'resolved' ? 'resolved' : 'firing', group: e.group_key,
        value: e.value, threshold: e.threshold, rule_version: e.rule_version, deliveries: e.deliveries ? JSON.parse(e.deliveries) as unknown[] : null,
      })),
      next_before: events.length === limit ? new Date(events.at(-1)!.at).toISOString() : null,
    };
  });

  app.get('/api/alerts/:id/versions', async (request) => {
    const rule = await ruleFor(request);
    const versions = await store.listAlertRuleVersions(rule.id);
    return { data: versions.map((v) => ({ ...ruleResponse(fromRecord(v, box)), deleted: v.deleted })) };
  });

  // Sends a test notification on every channel of the rule, with the value it has now.
  app.post('/api/alerts/:id/test', async (request) => {
    const rule = await ruleFor(request);
    requireRuleWrite(request, rule.project);
    const config = o.config();
    const now = Date.now();
    const evaluation = await evaluateRule(rule, { store, limits: config.limits, now, allProjects: () => o.projectsFor(request) });
    const top = evaluation.observations[0];
    const base = config.alerts.public_url ?? `${request.protocol}://${request.headers.host ?? 'localhost'}`;
    const id = `${rule.id}:test:${now}`;
    const link = logLink(base, { filter: evaluation.filter, project: evaluation.project, groupBy: evaluation.groupBy, group: top?.group ?? '', from: evaluation.from, to: evaluation.to });
    const notification = alertNotification(rule, { id, kind: 'test', group: top?.group ?? '', value: top?.value ?? null, at: now, since: now, link });
    const ctx = channelContextFromConfig(config.alerts);
    const deliveries = await Promise.all(rule.channels.map((c) => sendNotification(c, notification, ctx)));
    await store.insertAlertEvents([{
      event_id: id, rule_id: rule.id, rule_version: rule.version, at: now, group_key: top?.group ?? '', kind: 'test',
      value: top?.value ?? null, threshold: rule.threshold, deliveries: JSON.stringify(deliveries),
    }]);
    return { id, deliveries };
  });
}

/** The rule as the API shows it, with where it stands: firing when any group fires. */
function withStatus(rule: AlertRule, states: AlertStateRecord[]) {
  const groups = states.filter((s) => s.rule_id === rule.id)
    .sort((a, b) => Number(b.state === 'firing') - Number(a.state === 'firing') || b.since - a.since)
    .map((s) => ({ group: s.group_key, state: s.state, value: s.value, since: new Date(s.since).toISOString() }));
  const state = groups.some((g) => g.state === 'firing') ? 'firing' : groups.length > 0 ? groups[0]!.state : 'ok';
  return { ...ruleResponse(rule), state, groups };
}
