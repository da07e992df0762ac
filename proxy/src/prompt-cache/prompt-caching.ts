import type { CallRecord } from '../call-record.ts';
import type { PeriscopeConfig, ProviderType } from '@periscope/contract';
import type { ProxyMetrics } from '../metrics.ts';
import type { ParsedBody } from '../relay/request-body.ts';
import { addAutoBreakpoints } from './auto-breakpoints.ts';
import { promptCacheRules } from './cache-rules.ts';
import { blockBreakpoints, promptBlocks } from './prompt-blocks.ts';
import { PromptCacheTracker } from './prompt-cache-tracker.ts';

/** Where the call goes: the provider type and the model it is sent as. */
export interface PromptCacheTarget {
  providerType: ProviderType;
  model: string;
}

/**
 * The provider prompt cache, per call before it goes upstream: `prompt_cache: auto` (the
 * model's setting, or `Periscope-Prompt-Cache`) adds Anthropic breakpoints to the body sent;
 * calls with a `Periscope-Session-Id` are judged against the session's previous call
 * (call.promptCache). Calls with neither cost one comparison.
 */
export class PromptCaching {
  readonly #tracker: PromptCacheTracker;
  readonly #metrics: ProxyMetrics;

  constructor(sessions: number, metrics: ProxyMetrics) {
    this.#tracker = new PromptCacheTracker({ maxSessions: sessions });
    this.#metrics = metrics;
  }

  /** May replace body.json and body.raw (the upstream body); the logged request stays as sent. */
  prepare(call: CallRecord, body: ParsedBody, target: PromptCacheTarget, config: PeriscopeConfig): void {
    if (!body.json) return;
    const model = body.model !== undefined && Object.hasOwn(config.models, body.model) ? config.models[body.model] : undefined;
    const auto = (call.meta.cache.promptCache ?? model?.prompt_cache) === 'auto' && call.endpoint === 'messages' && target.providerType === 'anthropic';
    const rules = call.meta.sessionId ? promptCacheRules(target.providerType, target.model) : undefined;
    if (!auto && !rules) return;
    const blocks = promptBlocks(call.endpoint, body.json);
    if (!blocks) return;
    const session = rules ? PromptCacheTracker.sessionKey(call.projectId, call.meta.sessionId, target.model) : undefined;
    if (auto) {
      const updated = addAutoBreakpoints(body.json, { repeatedMessages: session ? this.#tracker.repeatedMessages(session, blocks) : 0 });
      if (updated) {
        body.json = updated;
        body.raw = Buffer.from(JSON.stringify(updated));
        this.#metrics.promptCacheAutoBreakpoints.inc();
      }
    }
    if (session && rules) call.promptCache = this.#tracker.observe(session, blocks, blockBreakpoints(call.endpoint, body.json), rules);
  }
}
