import { setTimeout as sleep } from 'node:timers/promises';
import type { CooldownConfig } from '@periscope/contract';
import type { ProxyMetrics } from '../metrics.ts';
import type { DeploymentStats } from '../routing/deployment-stats.ts';
import { pickDeployment, type PickContext } from '../routing/pick-deployment.ts';
import { backoffDelayMs, matchesTrigger } from '../routing/retry-policy.ts';
import type { Deployment, RouteGroup, RoutePlan } from '../routing/route-plan.ts';
import { sendAttempt, type AttemptInput, type AttemptResult, type FailedAttempt, type StartedResponse } from './attempt.ts';

export interface ExecuteDeps {
  stats: DeploymentStats;
  cooldown: CooldownConfig;
  pick: PickContext;
  metrics: ProxyMetrics;
  random?: () => number;
}

export type PlanOutcome =
  | { ok: true; response: StartedResponse; deployment: Deployment; group: RouteGroup }
  | { ok: false; last: FailedAttempt; deployment: Deployment };

/**
 * Runs the route plan: inside each model's group a retryable failure first moves on to a
 * deployment not yet tried (failover, no wait), then retries `retry.attempts` more times with
 * full-jitter backoff or the provider's Retry-After (a longer one than allowed ends the
 * group); when the group is exhausted on a fallback trigger, the next model is tried.
 * Nothing is retried once a response has started: the caller streams it to the client.
 */
export async function executePlan(plan: RoutePlan, input: AttemptInput, deps: ExecuteDeps): Promise<PlanOutcome> {
  const { call } = input;
  const primary = plan.groups[0]!;
  const deadlineAt = primary.deadlineMs === undefined ? undefined : call.t0 + primary.deadlineMs;
  let last: { result: FailedAttempt; deployment: Deployment } | undefined;

  for (const [groupIndex, group] of plan.groups.entries()) {
    if (groupIndex > 0) {
      if (!last || !matchesTrigger(last.result.failure, plan.groups[groupIndex - 1]!.fallbackOn)) break;
      deps.metrics.fallbacks.inc({ model: group.name.slice(0, 100) });
    }
    const tried = new Set<string>();
    let retriesLeft = group.retry.attempts;
    for (;;) {
      const deployment = pickDeployment(group, tried, deps.pick);
      const repeat = tried.has(deployment.id);
      if (repeat) {
        // Every deployment has had its turn: this is a retry, and it waits first.
        if (retriesLeft <= 0) break;
        retriesLeft -= 1;
        const wait = last?.result.retryAfterMs ?? backoffDelayMs(group.retry.attempts - retriesLeft - 1, group.retry, deps.random);
        if (wait > group.retry.max_retry_after_ms) break;
        if (deadlineAt !== undefined && performance.now() + wait >= deadlineAt) break;
        await sleep(wait, undefined, { signal: input.client.signal });
      }
      tried.add(deployment.id);
      const remaining = deadlineAt === undefined ? undefined : Math.max(1, Math.floor(deadlineAt - performance.now()));
      const timeoutMs = minDefined(group.attemptTimeoutMs, remaining);
      const result = await runAttempt(input, deployment, group, timeoutMs, deps);
      if (result.ok) {
        if (groupIndex > 0) call.fallbackModel = group.name;
        return { ok: true, response: result, deployment, group };
      }
      last = { result, deployment };
      if (!matchesTrigger(result.failure, group.retry.on)) break;
      if (deadlineAt !== undefined && performance.now() >= deadlineAt) return { ok: false, last: result, deployment };
    }
  }
  return { ok: false, last: last!.result, deployment: last!.deployment };
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

async function runAttempt(
  input: AttemptInput,
  deployment: Deployment,
  group: RouteGroup,
  timeoutMs: number | undefined,
  deps: ExecuteDeps,
): Promise<AttemptResult> {
  const { call } = input;
  const t0 = performance.now();
  deps.stats.started(deployment.id);
  call.trace?.startAttempt();
  let result: AttemptResult;
  try {
    result = await sendAttempt(input, deployment, timeoutMs);
  } catch (err) {
    deps.stats.ended(deployment.id);
    throw err;
  }
  if (!result.ok) call.trace?.endAttempt();
  const durationMs = Math.round(performance.now() - t0);
  call.attemptLog.push({
    model: group.name,
    provider: deployment.provider,
    upstream_model: deployment.upstreamModel ?? call.model,
    status: result.ok ? result.status : (result.response?.status ?? (result.failure.kind === 'status' ? result.failure.status : 0)),
    error_type: result.ok ? '' : result.errorType,
    duration_ms: durationMs,
  });
  call.attempts = call.attemptLog.length;
  if (result.ok) {
    deps.stats.succeeded(deployment.id, durationMs);
    deps.metrics.attempts.inc({ provider: deployment.provider, outcome: 'ok' });
    return result;
  }
  deps.stats.ended(deployment.id);
  if (result.error) deps.metrics.upstreamErrors.inc({ reason: result.errorType });
  const unhealthy = matchesTrigger(result.failure, group.retry.on) || matchesTrigger(result.failure, group.fallbackOn);
  // A busy key pool is our own limit, not the deployment failing.
  if (unhealthy && result.errorType !== 'upstream_key_busy') deps.stats.failed(deployment.id, deps.cooldown);
  else deps.stats.answered(deployment.id);
  deps.metrics.attempts.inc({ provider: deployment.provider, outcome: unhealthy ? 'retryable' : 'failed' });
  return result;
}
