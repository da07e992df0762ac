/** Request header that picks a scenario; the gateway forwards unknown headers upstream. */
export const SCENARIO_HEADER = 'x-mock-scenario';

export const ERROR_STATUSES = [400, 401, 404, 429, 500, 502, 503, 529] as const;
export type ErrorStatus = (typeof ERROR_STATUSES)[number];

/**
 * What a scenario does to one request. Scenarios combine with commas, e.g.
 * `slow-headers-200,error-500` or `slow-stream-50,stall-after-first-chunk`.
 */
export interface ScenarioPlan {
  headerDelayMs: number;
  chunkIntervalMs: number | undefined;
  stallAfterFirstChunk: boolean;
  failMidStream: boolean;
  errorStatus: ErrorStatus | undefined;
  /** Retry-After sent with a 429, in ms (`retry-after-<ms>`); the default is OpenAI's typical 7 s. */
  retryAfterMs: number;
  /**
   * `echo-key`: a provider that quotes the caller's key unmasked in its error messages (JSON
   * bodies and in-stream errors) and echoes it in an `x-debug-api-key` response header. Real
   * providers mask keys; a gateway must not rely on it.
   */
  echoKey: boolean;
  /** `split-frames`: every SSE frame is written in two pieces (through the echoed key, if it holds one), a moment apart. */
  splitFrames: boolean;
  /** `stall-after-end`: a stream's every event is sent, its last included, but the connection is never closed. */
  stallAfterEnd: boolean;
  /**
   * `quote-prompt`: the answer repeats the prompt, three characters a piece, as a model quotes
   * what a user pasted (a key in a `.env` file) token by token.
   */
  quotePrompt: boolean;
}

export const NO_SCENARIO: Readonly<ScenarioPlan> = Object.freeze({
  headerDelayMs: 0,
  chunkIntervalMs: undefined,
  stallAfterFirstChunk: false,
  failMidStream: false,
  errorStatus: undefined,
  retryAfterMs: 7000,
  echoKey: false,
  splitFrames: false,
  stallAfterEnd: false,
  quotePrompt: false,
});

/** Returns undefined for an unknown scenario, which the mock answers with a 400 that names it. */
export function parseScenario(spec: string): ScenarioPlan | undefined {
  const plan: ScenarioPlan = { ...NO_SCENARIO };
  for (const raw of spec.split(',')) {
    const name = raw.trim();
    const number = Number(name.slice(name.lastIndexOf('-') + 1));
    if (name === 'ok') continue;
    if (name === 'stall-after-first-chunk') plan.stallAfterFirstChunk = true;
    else if (name === 'error-mid-stream') plan.failMidStream = true;
    else if (name === 'echo-key') plan.echoKey = true;
    else if (name === 'split-frames') plan.splitFrames = true;
    else if (name === 'stall-after-end') plan.stallAfterEnd = true;
    else if (name === 'quote-prompt') plan.quotePrompt = true;
    else if (/^slow-headers-\d+$/.test(name)) plan.headerDelayMs = number;
    else if (/^slow-stream-\d+$/.test(name)) plan.chunkIntervalMs = number;
    else if (/^error-\d+$/.test(name) && isErrorStatus(number)) plan.errorStatus = number;
    else if (/^retry-after-\d+$/.test(name)) plan.retryAfterMs = number;
    else return undefined;
  }
  return plan;
}

function isErrorStatus(status: number): status is ErrorStatus {
  return (ERROR_STATUSES as readonly number[]).includes(status);
}
