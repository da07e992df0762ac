import type { RequestEvent } from '@periscope/contract';
import type { Tally } from '../call-metrics.ts';
import type { ProxyMetrics } from '../metrics.ts';

/** Distinct values each label keeps before later ones are counted as `other`. */
export const LABEL_CAPS = { provider: 50, model: 200, project: 500 } as const;
export const OVERFLOW_LABEL = 'other';
const MAX_LABEL_CHARS = 100;

/** First come, first kept: the first `cap` distinct values are labels, every later one is `other`. */
export class CappedLabel {
  readonly #seen = new Set<string>();
  constructor(private readonly cap: number) {}

  of(value: string): string {
    const v = value.slice(0, MAX_LABEL_CHARS) || 'none';
    if (this.#seen.has(v)) return v;
    if (this.#seen.size >= this.cap) return OVERFLOW_LABEL;
    this.#seen.add(v);
    return v;
  }
}

type TokenType = 'input' | 'output' | 'cache_read' | 'cache_write' | 'reasoning';
interface Series {
  tokens: Record<TokenType, Tally>;
  cost: Tally;
}

/**
 * Token and cost counters by provider, model and project, bounded: each label keeps at most
 * LABEL_CAPS distinct values, so clients naming arbitrary models or a deployment with many
 * projects cannot grow /metrics without end. Tallies are cached per combination, so a call costs
 * a map lookup and a few additions.
 */
export class UsageMetrics {
  readonly #provider = new CappedLabel(LABEL_CAPS.provider);
  readonly #model = new CappedLabel(LABEL_CAPS.model);
  readonly #project = new CappedLabel(LABEL_CAPS.project);
  readonly #series = new Map<string, Series>();

  constructor(private readonly metrics: Pick<ProxyMetrics, 'tokens' | 'costUsd'>) {}

  record(event: RequestEvent): void {
    const provider = this.#provider.of(event.provider);
    const model = this.#model.of(event.model);
    const project = this.#project.of(event.project_id);
    const key = `${provider}\u0000${model}\u0000${project}`;
    let series = this.#series.get(key);
    if (!series) {
      const token = (type: TokenType) => this.metrics.tokens.series({ provider, model, project, type });
      series = {
        tokens: { input: token('input'), output: token('output'), cache_read: token('cache_read'), cache_write: token('cache_write'), reasoning: token('reasoning') },
        cost: this.metrics.costUsd.series({ provider, model, project }),
      };
      this.#series.set(key, series);
    }
    if (event.prompt_tokens > 0) series.tokens.input.add(event.prompt_tokens);
    if (event.completion_tokens > 0) series.tokens.output.add(event.completion_tokens);
    if (event.cache_read_tokens > 0) series.tokens.cache_read.add(event.cache_read_tokens);
    if (event.cache_write_tokens > 0) series.tokens.cache_write.add(event.cache_write_tokens);
    if (event.reasoning_tokens > 0) series.tokens.reasoning.add(event.reasoning_tokens);
    if (event.cost_usd > 0) series.cost.add(event.cost_usd);
  }
}
