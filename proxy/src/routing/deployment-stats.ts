import type { CooldownConfig } from '@periscope/contract';

/** EWMA weight of the newest sample: about the last 10 calls matter. */
const EWMA_ALPHA = 0.2;

interface Health {
  inflight: number;
  /** Latency to the response start (TTFT for streams), smoothed; undefined until measured. */
  ewmaMs: number | undefined;
  consecutiveFailures: number;
  /** Out of rotation until then (epoch ms); 0 = in rotation. */
  cooldownUntil: number;
  /** After a cooldown one call probes the deployment; others keep away until it reports. */
  probing: boolean;
}

/**
 * What the router knows about each deployment (`provider/model`), shared by every request
 * and kept across config reloads, so a reload does not forget a deployment that is down.
 * Passive health: a run of retryable failures takes a deployment out for a cooldown, then a
 * single probe call decides whether it comes back.
 */
export class DeploymentStats {
  readonly #byId = new Map<string, Health>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  #get(id: string): Health {
    let h = this.#byId.get(id);
    if (!h) {
      h = { inflight: 0, ewmaMs: undefined, consecutiveFailures: 0, cooldownUntil: 0, probing: false };
      this.#byId.set(id, h);
    }
    return h;
  }

  inflight(id: string): number {
    return this.#byId.get(id)?.inflight ?? 0;
  }

  latencyMs(id: string): number | undefined {
    return this.#byId.get(id)?.ewmaMs;
  }

  /** In rotation, or due for its probe (which the next call then becomes). */
  available(id: string): boolean {
    const h = this.#byId.get(id);
    if (!h || h.cooldownUntil === 0) return true;
    return h.cooldownUntil <= this.#now() && !h.probing;
  }

  /** When a cooled-down deployment is due back; 0 if it is in rotation. */
  cooldownUntil(id: string): number {
    return this.#byId.get(id)?.cooldownUntil ?? 0;
  }

  /** An attempt is sent; `ended` must follow once its response is over. */
  started(id: string): void {
    const h = this.#get(id);
    h.inflight += 1;
    if (h.cooldownUntil !== 0 && h.cooldownUntil <= this.#now()) h.probing = true;
  }

  ended(id: string): void {
    const h = this.#get(id);
    h.inflight = Math.max(0, h.inflight - 1);
  }

  /** The response started well; `latencyMs` is the time to its start. */
  succeeded(id: string, latencyMs: number): void {
    const h = this.#get(id);
    h.ewmaMs = h.ewmaMs === undefined ? latencyMs : h.ewmaMs + EWMA_ALPHA * (latencyMs - h.ewmaMs);
    h.consecutiveFailures = 0;
    h.cooldownUntil = 0;
    h.probing = false;
  }

  /** A retryable failure (overload, 5xx, timeout): counts toward a cooldown. */
  failed(id: string, cfg: CooldownConfig): void {
    const h = this.#get(id);
    h.consecutiveFailures += 1;
    if (h.probing || h.consecutiveFailures >= cfg.failures) {
      h.cooldownUntil = this.#now() + cfg.cooldown_ms;
      h.probing = false;
    }
  }

  /** An answer that says nothing about health (a 4xx): a probe that gets one has still reached it. */
  answered(id: string): void {
    const h = this.#get(id);
    if (!h.probing) return;
    h.probing = false;
    h.cooldownUntil = 0;
    h.consecutiveFailures = 0;
  }
}
