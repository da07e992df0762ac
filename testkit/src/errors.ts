import type { ErrorStatus } from './scenarios.ts';

/** The `error` object of an OpenAI error body. */
export interface OpenAIErrorInfo {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** The `error` object of an Anthropic error body. */
export interface AnthropicErrorInfo {
  type: string;
  message: string;
}

/** One failure, worded as each provider words it; the path decides which shape is sent. */
export interface MockError {
  status: number;
  openai: OpenAIErrorInfo;
  anthropic: AnthropicErrorInfo;
}

function openai(message: string, type: string, code: string | null = null, param: string | null = null): OpenAIErrorInfo {
  return { message, type, param, code };
}

/** The errors the `error-<status>` scenarios produce, with the providers' real wording. */
export function scenarioError(status: ErrorStatus, model: string): MockError {
  switch (status) {
    case 400:
      return {
        status,
        openai: openai(`Invalid value for 'temperature': mock scenario rejected the request.`, 'invalid_request_error', 'invalid_value', 'temperature'),
        anthropic: { type: 'invalid_request_error', message: 'temperature: mock scenario rejected the request' },
      };
    case 401:
      return {
        status,
        openai: openai(
          'Incorrect API key provided: sk-mock***. You can find your API key at https://platform.openai.com/account/api-keys.',
          'invalid_request_error',
          'invalid_api_key',
        ),
        anthropic: { type: 'authentication_error', message: 'invalid x-api-key' },
      };
    case 404:
      return {
        status,
        openai: openai(`The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'),
        anthropic: { type: 'not_found_error', message: `model: ${model}` },
      };
    case 429:
      return {
        status,
        openai: openai(
          `Rate limit reached for ${model} in organization org-mock on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 7s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
          'requests',
          'rate_limit_exceeded',
        ),
        anthropic: {
          type: 'rate_limit_error',
          message: 'This request would exceed the rate limit for your organization of 50 requests per minute. Please try again later.',
        },
      };
    case 500:
      return {
        status,
        openai: openai('The server had an error while processing your request. Sorry about that!', 'server_error'),
        anthropic: { type: 'api_error', message: 'Internal server error' },
      };
    case 502:
      return {
        status,
        openai: openai('Bad gateway.', 'server_error'),
        anthropic: { type: 'api_error', message: 'Bad gateway' },
      };
    case 503:
      return {
        status,
        openai: openai('The server is overloaded or not ready yet.', 'server_error'),
        anthropic: { type: 'api_error', message: 'Service unavailable' },
      };
    case 529:
      return {
        status,
        openai: openai('The engine is currently overloaded, please try again later.', 'server_error'),
        anthropic: { type: 'overloaded_error', message: 'Overloaded' },
      };
  }
}

export const INVALID_JSON: MockError = {
  status: 400,
  openai: openai(
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
    'invalid_request_error',
  ),
  anthropic: { type: 'invalid_request_error', message: 'There was an issue with your request: the body is not valid JSON' },
};

export const MISSING_API_KEY: MockError = {
  status: 401,
  openai: openai(
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
    'invalid_request_error',
  ),
  anthropic: { type: 'authentication_error', message: 'x-api-key header is required' },
};

export const MISSING_ANTHROPIC_VERSION: MockError = {
  status: 400,
  openai: openai('anthropic-version: header is required', 'invalid_request_error'),
  anthropic: { type: 'invalid_request_error', message: 'anthropic-version: header is required' },
};

export function missingField(field: string): MockError {
  return {
    status: 400,
    openai:
      field === 'model'
        ? openai('you must provide a model parameter', 'invalid_request_error')
        : openai(`Missing required parameter: '${field}'.`, 'invalid_request_error', 'missing_required_parameter', field),
    anthropic: { type: 'invalid_request_error', message: `${field}: Field required` },
  };
}

export function unknownRoute(method: string, path: string): MockError {
  return {
    status: 404,
    openai: openai(`Invalid URL (${method} ${path})`, 'invalid_request_error'),
    anthropic: { type: 'not_found_error', message: 'Not Found' },
  };
}

export function unknownScenario(spec: string): MockError {
  const message = `Unknown x-mock-scenario '${spec}'`;
  return { status: 400, openai: openai(message, 'invalid_request_error'), anthropic: { type: 'invalid_request_error', message } };
}

/** Anthropic refuses more than `max` cache_control breakpoints in one request. */
export function tooManyBreakpoints(found: number, max: number): MockError {
  const message = `A maximum of ${max} blocks with cache_control may be provided. Found ${found}.`;
  return { status: 400, openai: openai(message, 'invalid_request_error'), anthropic: { type: 'invalid_request_error', message } };
}

/**
 * The error as a provider that quotes the caller's key would word it (the `echo-key`
 * scenario); unchanged without a key. OpenAI's 401 names the key it got, masked in real life.
 */
export function quotingKey(error: MockError, key: string | undefined): MockError {
  if (key === undefined) return error;
  const openaiMessage = error.openai.code === 'invalid_api_key'
    ? `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`
    : `${error.openai.message} (API key: ${key})`;
  return {
    status: error.status,
    openai: { ...error.openai, message: openaiMessage },
    anthropic: { ...error.anthropic, message: `${error.anthropic.message} (x-api-key: ${key})` },
  };
}
