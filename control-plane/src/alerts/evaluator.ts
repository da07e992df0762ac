import { performance } from 'node:perf_hooks';
import type { AlertEventRecord, AlertStateRecord, Store } from '@periscope/clickhouse';
import type { PeriscopeConfig } from '@periscope/contract';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { channelContextFromConfig, sendNotification, type ChannelContextOptions, type SecretBox } from './channels/index.ts';
import type { Lease } from './lease/lease.ts';
import { logLink } from './log-link.ts';
import { alertNotification } from './notification.ts';
import { evaluateRule, type RuleEvaluation } from './rule-evaluation.ts';
import { fromRecord } from './rule-record.ts';
import { type AlertRule } from '@periscope/contract';
import { durationOf } from './rule-functions.ts';
import { step } from './state-machine.ts';

export interface EvaluatorLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface AlertEvaluatorOptions {
  store: Store;
  lease: Lease;
  box: SecretBox;
  /** The config in effect (reloads apply): `alerts:` for channels, `limits:` for budgets. */
  config: () => PeriscopeConfig;
  /** The UI's base URL for links in notifications. */
  publicUrl: () => string;
  log: EvaluatorLog;
  registry?: Registry;
  /** How often the evaluator looks for due rules (and renews its lease); default 1 s. */
  tickMs?: number;
  /** Rules changed through another worker's API are picked up this often; default 5 s. */
  rulesRefreshMs?: number;
  /** A round re-checks the lease before a rule once this long has passed since the last check; default 5 s, a third of the lease TTL. */
  leaseRecheckMs?: number;
  /** Delivery retries and timeouts (tests shorten them). */
  delivery?: Omit<ChannelContextOptions, 'allowPrivateTargets' | 'smtp'>;
}

/**
 * Runs every enabled rule on its interval, on the one ingest worker that holds the lease:
 * one bounded store query per rule, then the state machine per group, then history and
 * notifications. State lives in the store and is loaded when the lease is acquired, so a
 * worker that takes over continues where the last one stopped. Deliveries run in the
 * background (a slow receiver must not delay other rules) and their outcome is written
 * into the transition's history row.
 */
export class AlertEvaluator {
  readonly #o: AlertEvaluatorOptions;
  readonly #metrics: ReturnType<typeof createMetrics>;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #stopped = false;
  readonly #deliveries = new Set<Promise<void>>();
  #leading = false;
  /** rule id → group → state; loaded when the lease is won, dropped when it is lost. */
  #states: Map<string, Map<string, AlertStateRecord>> | null = null;
  #rules: AlertRule[] = [];
  #rulesLoadedAt = -Infinity;
  readonly #nextRun = new Map<string, number>();

  constructor(o: AlertEvaluatorOptions) {
    this.#o = o;
    this.#metrics = createMetrics(o.registry);
  }

  get leading(): boolean {
    return this.#leading;
  }

  start(): void {
    const schedule = () => {
      if (this.#stopped) return;
      this.#timer = setTimeout(() => {
        // A round that fails (ClickHouse unreachable) is logged and the next one tries again.
        this.#tick = this.tick()
          .catch((err: Error) => this.#o.log.warn({ err: err.message }, 'alert evaluation round failed'))
          .finally(schedule);
      }, this.#o.tickMs ?? 1000);
    };
    schedule();
  }

  /** Stops ticking, waits for the round and the deliveries in flight, and hands the lease over. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#tick;
    await Promise.all(this.#deliveries);
    if (this.#leading) await this.#o.lease.release().catch((err: Error) => this.#o.log.warn({ err: err.message }, 'alert lease release failed'));
    this.#leading = false;
  }

  /** The API changed a rule: reload the rules at the next tick, and run a changed rule at once. */
  rulesChanged(ruleId?: string): void {
    this.#rulesLoadedAt = -Infinity;
    if (ruleId) this.#nextRun.delete(ruleId);
  }

  /** One round: lease, then every due rule. Public for tests that drive rounds themselves. */
  async tick(): Promise<void> {
    if (!(await this.#ensureLease())) return;
    const { store } = this.#o;
    if (!this.#states) this.#states = groupStates(await store.listAlertStates());
    const now = Date.now();
    if (now - this.#rulesLoadedAt >= (this.#o.rulesRefreshMs ?? 5000)) {
      this.#rules = (await store.listAlertRules()).map((r) => fromRecord(r, this.#o.box));
      this.#rulesLoadedAt = now;
    }
    let projects: Promise<string[]> | undefined;
    const allProjects = () => (projects ??= store.listKeys().then((keys) => [...new Set(keys.map((k) => k.project_id))]));
    let leaseCheckedAt = Date.now();
    for (const rule of this.#rules) {
      if (!rule.enabled || (this.#nextRun.get(rule.id) ?? 0) > now || this.#stopped) continue;
      // A long round (many rules, slow queries) renews on the way, and stops if the lease moved on.
      if (Date.now() - leaseCheckedAt >= (this.#o.leaseRecheckMs ?? 5000)) {
        if (!(await this.#ensureLease())) return;
        leaseCheckedAt = Date.now();
      }
      this.#nextRun.set(rule.id, now + durationOf(rule.interval));
      await this.#evaluate(rule, allProjects).catch((err: Error) => {
        this.#metrics.evaluations.inc({ outcome: 'error' });
        this.#o.log.warn({ rule: rule.id, err: err.message }, 'alert rule evaluation failed');
      });
    }
  }

  async #ensureLease(): Promise<boolean> {
    let leading = false;
    try {
      leading = await this.#o.lease.ensure();
    } catch (err) {
      this.#o.log.warn({ err: (err as Error).message, lease: this.#o.lease.kind }, 'alert lease unavailable; not evaluating');
    }
    if (leading !== this.#leading) {
      this.#o.log.info({ holder: this.#o.lease.holder, lease: this.#o.lease.kind }, leading ? 'alert evaluator lease acquired' : 'alert evaluator lease lost');
      // A worker that leads again must read what the others wrote meanwhile.
      if (!leading) this.#states = null;
    }
    this.#leading = leading;
    this.#metrics.leader.set(leading ? 1 : 0);
    return leading;
  }

  async #evaluate(rule: AlertRule, allProjects: () => Promise<string[]>): Promise<void> {
    const now = Date.now();
    const started = performance.now();
    const evaluation = await evaluateRule(rule, { store: this.#o.store, allProjects, limits: this.#o.config().limits, now });
    this.#metrics.evaluationSeconds.observe((performance.now() - started) / 1000);
    this.#metrics.evaluations.inc({ outcome: 'ok' });

    const states = this.#states!.get(rule.id) ?? new Map<string, AlertStateRecord>();
    const observed = new Map(evaluation.observations.map((o) => [o.group, o]));
    const groups = new Set([...observed.keys(), ...[...states.values()].filter((s) => s.state === 'firing').map((s) => s.group_key)]);
    const stepRule = {
      id: rule.id, version: rule.version, comparator: rule.comparator, threshold: rule.threshold,
      resolveAfterMs: durationOf(rule.resolve_after), renotifyMs: rule.renotify === null ? null : durationOf(rule.renotify),
    };
    const writes: AlertStateRecord[] = [];
    const events: Array<{ record: AlertEventRecord; since: number }> = [];
    for (const group of groups) {
      const prev = states.get(group);
      const { next, event } = step(prev, observed.get(group), stepRule, group, now);
      if (next) writes.push(next);
      if (event && next) {
        events.push({
          record: { event_id: event.id, rule_id: rule.id, rule_version: rule.version, at: now, group_key: group, kind: event.kind, value: next.value, threshold: rule.threshold, deliveries: '' },
          since: event.kind === 'resolved' ? (prev?.since ?? now) : next.since,
        });
      }
    }
    if (writes.length === 0) return;
    // History first: a crash after it and before the state write repeats the transition with the same event id.
    await this.#o.store.insertAlertEvents(events.map((e) => e.record));
    await this.#o.store.saveAlertStates(writes);
    for (const s of writes) states.set(s.group_key, s);
    this.#states!.set(rule.id, states);
    for (const e of events) this.#deliver(rule, e.record, e.since, evaluation);
  }

  #deliver(rule: AlertRule, record: AlertEventRecord, since: number, evaluation: RuleEvaluation): void {
    const link = logLink(this.#o.publicUrl(), {
      filter: evaluation.filter, project: evaluation.project, groupBy: evaluation.groupBy, group: record.group_key,
      from: record.kind === 'resolved' ? Math.min(since, evaluation.from) : evaluation.from, to: evaluation.to,
    });
    const notification = alertNotification(rule, { id: record.event_id, kind: record.kind, group: record.group_key, value: record.value, at: record.at, since, link });
    const ctx = channelContextFromConfig(this.#o.config().alerts, this.#o.delivery);
    this.#metrics.transitions.inc({ kind: record.kind });
    const delivery = (async () => {
      const deliveries = await Promise.all(rule.channels.map((c) => sendNotification(c, notification, ctx)));
      for (const d of deliveries) {
        this.#metrics.notifications.inc({ channel: d.channel, outcome: d.ok ? 'sent' : 'failed' });
        if (!d.ok) this.#o.log.warn({ rule: rule.id, event: record.event_id, channel: d.channel, target: d.target, error: d.error, attempts: d.attempts }, 'alert notification failed');
      }
      await this.#o.store.insertAlertEvents([{ ...record, deliveries: JSON.stringify(deliveries) }]);
    })().catch((err: Error) => this.#o.log.warn({ rule: rule.id, event: record.event_id, err: err.message }, 'recording alert deliveries failed'));
    this.#deliveries.add(delivery);
    void delivery.finally(() => this.#deliveries.delete(delivery));
  }
}

function groupStates(rows: AlertStateRecord[]): Map<string, Map<string, AlertStateRecord>> {
  const byRule = new Map<string, Map<string, AlertStateRecord>>();
  for (const s of rows) {
    const groups = byRule.get(s.rule_id) ?? new Map<string, AlertStateRecord>();
    groups.set(s.group_key, s);
    byRule.set(s.rule_id, groups);
  }
  return byRule;
}

function createMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  return {
    leader: new Gauge({ name: 'periscope_alert_evaluator_leader', help: '1 while this worker holds the alert evaluator lease', registers }),
    evaluations: new Counter({ name: 'periscope_alert_evaluations_total', help: 'Alert rule evaluations', labelNames: ['outcome'], registers }),
    evaluationSeconds: new Histogram({
      name: 'periscope_alert_evaluation_seconds', help: 'Time of one rule evaluation (its store query)', registers,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    transitions: new Counter({ name: 'periscope_alert_transitions_total', help: 'Alert state transitions and re-notifications', labelNames: ['kind'], registers }),
    notifications: new Counter({ name: 'periscope_alert_notifications_total', help: 'Alert notifications per channel', labelNames: ['channel', 'outcome'], registers }),
  };
}
