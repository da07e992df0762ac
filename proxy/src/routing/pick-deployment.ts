import type { PriceBook } from '../pricing/price-types.ts';
import type { DeploymentStats } from './deployment-stats.ts';
import type { Deployment, RouteGroup } from './route-plan.ts';

export interface PickContext {
  stats: DeploymentStats;
  priceBook: PriceBook;
  /** The client's model, priced when a deployment sends it unchanged. */
  requestedModel: string;
  random?: () => number;
}

/** A nominal call (1k in, 1k out) to rank deployments by price; unknown prices rank last. */
const NOMINAL_USAGE = { prompt_tokens: 1000, completion_tokens: 1000, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 };

function weightedChoice(candidates: Deployment[], random: () => number): Deployment {
  const total = candidates.reduce((sum, d) => sum + d.weight, 0);
  let r = random() * total;
  for (const d of candidates) {
    r -= d.weight;
    if (r < 0) return d;
  }
  return candidates[candidates.length - 1]!;
}

function lowest(candidates: Deployment[], score: (d: Deployment) => number, random: () => number): Deployment {
  let best = Infinity;
  let tied: Deployment[] = [];
  for (const d of candidates) {
    const s = score(d);
    if (s < best) {
      best = s;
      tied = [d];
    } else if (s === best) tied.push(d);
  }
  return weightedChoice(tied, random);
}

/**
 * The deployment for the next attempt. Deployments already tried in this call are avoided
 * while others are in rotation (so a retry after a 503 goes elsewhere), cooled-down ones too;
 * if every deployment is cooling down the one due back first is used rather than failing.
 */
export function pickDeployment(group: RouteGroup, tried: ReadonlySet<string>, ctx: PickContext): Deployment {
  const random = ctx.random ?? Math.random;
  const available = group.deployments.filter((d) => ctx.stats.available(d.id));
  const fresh = available.filter((d) => !tried.has(d.id));
  const candidates = fresh.length > 0 ? fresh : available;
  if (candidates.length === 0) {
    return lowest(group.deployments, (d) => ctx.stats.cooldownUntil(d.id), random);
  }
  switch (group.strategy) {
    case 'weighted':
      return weightedChoice(candidates, random);
    case 'least-inflight':
      return lowest(candidates, (d) => ctx.stats.inflight(d.id), random);
    case 'latency': {
      // Unmeasured deployments go first, so every one gets a latency before it is compared.
      return lowest(candidates, (d) => ctx.stats.latencyMs(d.id) ?? -1, random);
    }
    case 'cost':
      return lowest(candidates, (d) => {
        const cost = ctx.priceBook.cost(d.providerConfig.type, d.upstreamModel ?? ctx.requestedModel, NOMINAL_USAGE);
        return cost.known ? cost.cost_usd : Infinity;
      }, random);
  }
}
