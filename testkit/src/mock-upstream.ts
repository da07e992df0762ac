import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AnthropicPromptCache, MAX_BREAKPOINTS } from './anthropic-prompt-cache.ts';
import { anthropicErrorBody, anthropicHeaders, anthropicModels, countMessageTokens, message } from './anthropic-wire.ts';
import type { MockError } from './errors.ts';
import {
  INVALID_JSON,
  MISSING_ANTHROPIC_VERSION,
  MISSING_API_KEY,
  missingField,
  quotingKey,
  scenarioError,
  tooManyBreakpoints,
  unknownRoute,
  unknownScenario,
} from './errors.ts';
import { DEFAULT_CHUNK_COUNT, newId, type ToolInputs } from './generate.ts';
import type { JsonObject } from './json.ts';
import { asObject, asString } from './json.ts';
import { response } from './openai-responses-wire.ts';
import { chatCompletion, embeddings, openaiErrorBody, openaiHeaders, openaiModels, textCompletion } from './openai-wire.ts';
import { PromptMemory } from './prompt-memory.ts';
import type { GenerationContext, Reply } from './reply.ts';
import type { Dialect, Endpoint, Route } from './routes.ts';
import { dialectForPath, requiredFields, resolveRoute } from './routes.ts';
import type { ScenarioPlan } from './scenarios.ts';
import { NO_SCENARIO, parseScenario, SCENARIO_HEADER } from './scenarios.ts';
import { playScript, untilAborted, wait } from './sse.ts';
import { promptSegments } from './tokens.ts';

export interface MockUpstreamOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Delay before every response's headers, in ms. Default 0. */
  latencyMs?: number;
  /** Content pieces per streamed answer (text chunks or tool-argument chunks). Default 5. */
  chunkCount?: number;
  /** Delay between SSE frames, in ms. Default 0, which sends a whole stream in one write. */
  chunkIntervalMs?: number;
  /** Answer requests without a provider key with the provider's 401. Default true. */
  requireAuth?: boolean;
  /** Keep every request in `requests`. Default true; a long benchmark turns it off. */
  record?: boolean;
  /** Scenario for requests with no `x-mock-scenario` header and nothing queued. */
  scenario?: string;
  /**
   * Anthropic prompt-cache accounting. `last-breakpoint` (the default): the prefix up to the last
   * `cache_control` is written once and read by any later request. `prefix`: Anthropic's rules
   * (every breakpoint, 20-block lookback, minimum length, 5-minute / 1-hour TTLs, at most 4
   * breakpoints); see anthropic-prompt-cache.ts.
   */
  anthropicPromptCache?: 'last-breakpoint' | 'prefix';
  /** Clock of the `prefix` accounting's TTLs; Date.now by default. */
  now?: () => number;
  /** Arguments for the tools the mock calls, by name (default: values made from each tool's schema). */
  toolInputs?: ToolInputs;
}

export interface RecordedRequest {
  method: string;
  /** Path including the query string. */
  path: string;
  /** Header names are lower-cased. */
  headers: IncomingHttpHeaders;
  /** Parsed JSON; the raw text when it isn't JSON; undefined when empty. */
  body: unknown;
  /** The whole answer was handed to the connection (its `finish`): a reader that stops reading holds it back. */
  answered: boolean;
}

export interface MockUpstream {
  /** `http://127.0.0.1:PORT`; OpenAI clients use `${url}/v1`, Anthropic clients `url`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Responses the client abandoned before they ended: each is an aborted upstream call. */
  readonly disconnects: number;
  /** Scenario for requests with no header and nothing queued; settable between tests. */
  scenario: string | undefined;
  /** The next requests without a header take these scenarios, one each, in order. */
  enqueueScenarios(...scenarios: string[]): void;
  /** Forgets requests, disconnects, queued scenarios and the simulated prompt cache. */
  reset(): void;
  /** Stops listening and cuts every open connection, stalled streams included. */
  close(): Promise<void>;
}

interface ParsedBody {
  /** What gets recorded: the JSON value, or the raw text. */
  value: unknown;
  /** The JSON object the handlers read; undefined when the body isn't one. */
  object: JsonObject | undefined;
}

type Admission =
  | { ok: false; error: MockError }
  | { ok: true; route: Route; object: JsonObject; plan: ScenarioPlan };

const HANDLERS: Readonly<Record<Endpoint, (ctx: GenerationContext) => Reply>> = {
  chat: chatCompletion,
  completions: textCompletion,
  embeddings,
  responses: response,
  models: openaiModels,
  messages: message,
  count_tokens: countMessageTokens,
  anthropic_models: anthropicModels,
};

export async function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const mock = new MockUpstreamServer(options);
  await mock.listen(options.port ?? 0);
  return mock;
}

class MockUpstreamServer implements MockUpstream {
  readonly requests: RecordedRequest[] = [];
  scenario: string | undefined;
  #url = '';
  #disconnects = 0;
  readonly #queue: string[] = [];
  readonly #memory = new PromptMemory();
  readonly #anthropicCache: AnthropicPromptCache | undefined;
  readonly #server: Server;
  readonly #latencyMs: number;
  readonly #chunkCount: number;
  readonly #chunkIntervalMs: number;
  readonly #requireAuth: boolean;
  readonly #record: boolean;
  readonly #toolInputs: ToolInputs;

  constructor(options: MockUpstreamOptions) {
    this.#latencyMs = options.latencyMs ?? 0;
    this.#chunkCount = Math.max(1, options.chunkCount ?? DEFAULT_CHUNK_COUNT);
    this.#chunkIntervalMs = options.chunkIntervalMs ?? 0;
    this.#requireAuth = options.requireAuth ?? true;
    this.#record = options.record ?? true;
    this.#toolInputs = options.toolInputs ?? {};
    this.scenario = options.scenario;
    this.#anthropicCache = options.anthropicPromptCache === 'prefix' ? new AnthropicPromptCache(options.now) : undefined;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        // A bug in the mock must fail the test loudly rather than look like a provider answer.
        if (res.headersSent) res.destroy();
        else res.writeHead(500, { 'content-type': 'text/plain' }).end(`mock upstream failure: ${String(error)}`);
      });
    });
  }

  get url(): string {
    return this.#url;
  }

  get disconnects(): number {
    return this.#disconnects;
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        const { port: bound } = this.#server.address() as AddressInfo;
        this.#url = `http://127.0.0.1:${bound}`;
        resolve();
      });
    });
  }

  enqueueScenarios(...scenarios: string[]): void {
    this.#queue.push(...scenarios);
  }

  reset(): void {
    this.requests.length = 0;
    this.#disconnects = 0;
    this.#queue.length = 0;
    this.#memory.clear();
    this.#anthropicCache?.clear();
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.close((error) => (error ? reject(error) : resolve()));
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const abort = new AbortController();
    res.once('close', () => {
      if (res.writableFinished) return;
      this.#disconnects += 1;
      abort.abort();
    });

    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const queryAt = path.indexOf('?');
    const pathname = queryAt < 0 ? path : path.slice(0, queryAt);
    const body = parseBody(await readBody(req));
    if (this.#record) {
      const recorded: RecordedRequest = { method, path, headers: req.headers, body: body.value, answered: false };
      res.once('finish', () => {
        recorded.answered = true;
      });
      this.requests.push(recorded);
    }

    const route = resolveRoute(method, pathname, req.headers);
    const dialect = route?.dialect ?? dialectForPath(pathname);
    const requestId = newId('req_');
    const header = req.headers[SCENARIO_HEADER];
    const spec = (Array.isArray(header) ? header[0] : header) ?? this.#queue.shift() ?? this.scenario;
    const plan = spec === undefined ? NO_SCENARIO : parseScenario(spec);

    const delayMs = this.#latencyMs + (plan?.headerDelayMs ?? 0);
    if (delayMs > 0 && !(await wait(delayMs, abort.signal))) return;

    const echoedKey = plan?.echoKey ? presentedKey(req.headers) : undefined;
    const headersFor = (promptTokens: number, rateLimited: boolean): Record<string, string> => ({
      ...(dialect === 'anthropic'
        ? anthropicHeaders(requestId, promptTokens, rateLimited)
        : openaiHeaders(requestId, Math.round(performance.now() - started), promptTokens, rateLimited)),
      ...(echoedKey === undefined ? {} : { 'x-debug-api-key': echoedKey }),
    });

    const admitted = this.#admit(method, pathname, req.headers, route, body, spec, plan);
    if (!admitted.ok) {
      const error = quotingKey(admitted.error, echoedKey);
      const headers = headersFor(0, error.status === 429);
      if (error.status === 429) {
        const retryAfterMs = plan?.retryAfterMs ?? NO_SCENARIO.retryAfterMs;
        headers['retry-after'] = String(Math.ceil(retryAfterMs / 1000));
        headers['retry-after-ms'] = String(retryAfterMs);
      }
      sendJson(res, error.status, headers, dialect === 'anthropic' ? anthropicErrorBody(error, requestId) : openaiErrorBody(error));
      return;
    }

    const reply = HANDLERS[admitted.route.endpoint]({
      body: admitted.object,
      model: modelOf(admitted.route, admitted.object),
      requestId,
      chunkCount: this.#chunkCount,
      memory: this.#memory,
      anthropicCache: this.#anthropicCache,
      azure: admitted.route.azureDeployment !== undefined,
      toolInputs: this.#toolInputs,
      echoedKey,
      quotePrompt: admitted.plan.quotePrompt,
    });
    const headers = headersFor(reply.promptTokens, false);
    if (reply.kind === 'json') {
      if (admitted.plan.stallAfterFirstChunk) {
        // A non-streamed answer stalls after its headers: the body never comes.
        res.writeHead(200, { ...headers, 'content-type': 'application/json' });
        res.flushHeaders();
        await untilAborted(abort.signal);
        return;
      }
      sendJson(res, 200, headers, reply.body);
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    const pacing = {
      intervalMs: admitted.plan.chunkIntervalMs ?? this.#chunkIntervalMs,
      stallAfterFirstChunk: admitted.plan.stallAfterFirstChunk,
      stallAfterEnd: admitted.plan.stallAfterEnd,
      failMidStream: admitted.plan.failMidStream,
      splitFrames: admitted.plan.splitFrames,
      splitInside: echoedKey,
    };
    await playScript(res, reply.script, pacing, abort.signal);
  }

  /** The checks a real provider makes before generating, in its order, then the scenario's error. */
  #admit(
    method: string,
    pathname: string,
    headers: IncomingHttpHeaders,
    route: Route | undefined,
    body: ParsedBody,
    spec: string | undefined,
    plan: ScenarioPlan | undefined,
  ): Admission {
    if (plan === undefined) return { ok: false, error: unknownScenario(spec ?? '') };
    if (!route) return { ok: false, error: unknownRoute(method, pathname) };
    if (this.#requireAuth && !hasApiKey(route.dialect, headers)) return { ok: false, error: MISSING_API_KEY };
    if (route.dialect === 'anthropic' && headers['anthropic-version'] === undefined) {
      return { ok: false, error: MISSING_ANTHROPIC_VERSION };
    }
    // Listing models is a GET without a body.
    const object = method === 'GET' ? {} : body.object;
    if (!object) return { ok: false, error: INVALID_JSON };
    const missing = requiredFields(route).find((field) => object[field] === undefined);
    if (missing !== undefined) return { ok: false, error: missingField(missing) };
    if (this.#anthropicCache && route.endpoint === 'messages') {
      const breakpoints = promptSegments(object).filter((segment) => segment.cacheBreakpoint).length;
      if (breakpoints > MAX_BREAKPOINTS) return { ok: false, error: tooManyBreakpoints(breakpoints, MAX_BREAKPOINTS) };
    }
    if (plan.errorStatus !== undefined) {
      return { ok: false, error: scenarioError(plan.errorStatus, modelOf(route, object)) };
    }
    return { ok: true, route, object, plan };
  }
}

/** Azure serves whatever the deployment in the path runs, whatever the body says. */
function modelOf(route: Route, body: JsonObject): string {
  return route.azureDeployment ?? asString(body.model) ?? '';
}

/** The key the caller sent, in whichever header its SDK uses. */
function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const bearer = /^Bearer\s+(\S+)/i.exec(headers.authorization ?? '')?.[1];
  const other = headers['x-api-key'] ?? headers['api-key'];
  return bearer ?? (typeof other === 'string' ? other : undefined);
}

/** OpenAI takes a bearer token (Azure also `api-key`); Anthropic takes `x-api-key` or a bearer token. */
function hasApiKey(dialect: Dialect, headers: IncomingHttpHeaders): boolean {
  const bearer = /^Bearer\s+\S/i.test(headers.authorization ?? '');
  const headerKey = dialect === 'anthropic' ? headers['x-api-key'] : headers['api-key'];
  return bearer || (typeof headerKey === 'string' && headerKey.length > 0);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(raw: string): ParsedBody {
  if (raw === '') return { value: undefined, object: undefined };
  try {
    const value: unknown = JSON.parse(raw);
    return { value, object: asObject(value) };
  } catch {
    return { value: raw, object: undefined };
  }
}

function sendJson(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
