/** The shapes of prices, price tables and price books. */
/** Token counts of one call, already normalised by the provider adapter. */
export interface Usage {
  /**
   * TOTAL input tokens, cached reads and cache writes included. OpenAI's
   * prompt_tokens already is; for Anthropic pass
   * input_tokens + cache_read_input_tokens + cache_creation_input_tokens.
   */
  prompt_tokens: number;
  /** Output tokens, reasoning tokens included (OpenAI semantics). */
  completion_tokens: number;
  cache_read_tokens: number;
  /** Every cache write, of any duration. */
  cache_write_tokens: number;
  /** Of cache_write_tokens, those written for 1 hour (Anthropic `ttl: "1h"`); the rest are 5-minute writes. */
  cache_write_1h_tokens?: number;
  /** Informational: already inside completion_tokens and billed at the output price. */
  reasoning_tokens: number;
}

/** Prices in USD per million tokens that apply once the prompt exceeds a size. */
export interface PriceTier {
  /** The tier applies when prompt_tokens is strictly greater than this. */
  above_input_tokens: number;
  input: number;
  output: number;
  cache_read?: number;
  cache_write?: number;
  cache_write_1h?: number;
}

/** Prices in USD per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Cache hits; the input price when absent (providers that do not discount). */
  cache_read?: number;
  /** Cache writes (Anthropic: the 5-minute write); the input price when absent. */
  cache_write?: number;
  /** Anthropic's 1-hour cache write; the cache_write price when absent. */
  cache_write_1h?: number;
  /** Long-context prices, ascending by above_input_tokens. */
  tiers?: PriceTier[];
  /** Free text for humans (for example the 1h cache-write price); never read by code. */
  note?: string;
}

export interface PriceSource {
  urls: string[];
  /** YYYY-MM-DD: the date of the material the family's prices were read from. */
  retrieved: string;
}

export interface PriceTable {
  /** YYYY-MM-DD of the oldest material behind the table. */
  retrieved: string;
  note?: string;
  source: Record<string, PriceSource>;
  /** family (openai, anthropic, gemini, ...) -> model -> price */
  families: Record<string, Record<string, ModelPrice>>;
}

export interface CostResult {
  cost_usd: number;
  known: boolean;
}

export interface ResolvedPrice {
  price: ModelPrice;
  /** The table key (or override key) that matched. */
  priced_as: string;
  /** 'override' or the family the price came from. */
  from: string;
}

/** What the gateway needs; small so tests can hand in a fake. */
export interface PriceBook {
  /** `provider` is the provider *type* (openai, azure-openai, anthropic, gemini, openai-compatible). */
  priceFor(provider: string, model: string): ModelPrice | undefined;
  /** `known: false` (and cost 0) when no price matches: the caller counts that warning. */
  cost(provider: string, model: string, usage: Usage): CostResult;
}

export interface ResolvingPriceBook extends PriceBook {
  /** Like priceFor, but says which name and which table matched (for logs and debugging). */
  resolve(provider: string, model: string): ResolvedPrice | undefined;
}
