/**
 * The proxy's one error catalog. Every error a client can get from the gateway itself
 * (as opposed to a relayed upstream error) is listed here with a stable code and status,
 * and rendered in the error shape of the provider dialect the client speaks.
 */
export type Dialect = 'openai' | 'anthropic';

interface CatalogEntry {
  status: number;
  /** OpenAI `error.type`. */
  openaiType: string;
  /** Anthropic `error.type`. */
  anthropicType: string;
}

export const ERRORS = {
  missing_gateway_key: { status: 401, openaiType: 'invalid_request_error', anthropicType: 'authentication_error' },
  invalid_gateway_key: { status: 401, openaiType: 'invalid_request_error', anthropicType: 'authentication_error' },
  too_many_auth_failures: { status: 429, openaiType: 'rate_limit_error', anthropicType: 'rate_limit_error' },
  invalid_json: { status: 400, openaiType: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  invalid_request: { status: 400, openaiType: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  unsupported_media_type: { status: 415, openaiType: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  body_too_large: { status: 413, openaiType: 'invalid_request_error', anthropicType: 'request_too_large' },
  unknown_route: { status: 404, openaiType: 'invalid_request_error', anthropicType: 'not_found_error' },
  method_not_allowed: { status: 405, openaiType: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  invalid_path: { status: 400, openaiType: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  credential_mismatch: { status: 400, openaiType: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  target_url_not_allowed: { status: 400, openaiType: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  model_not_allowed: { status: 403, openaiType: 'invalid_request_error', anthropicType: 'permission_error' },
  target_blocked: { status: 403, openaiType: 'invalid_request_error', anthropicType: 'permission_error' },
  unknown_provider: { status: 400, openaiType: 'invalid_request_error', anthropicType: 'invalid_request_error' },
  upstream_key_busy: { status: 429, openaiType: 'rate_limit_error', anthropicType: 'rate_limit_error' },
  rate_limited: { status: 429, openaiType: 'rate_limit_error', anthropicType: 'rate_limit_error' },
  budget_exceeded: { status: 402, openaiType: 'insufficient_quota', anthropicType: 'billing_error' },
  upstream_timeout: { status: 504, openaiType: 'api_error', anthropicType: 'api_error' },
  upstream_unreachable: { status: 502, openaiType: 'api_error', anthropicType: 'api_error' },
  logging_unavailable: { status: 503, openaiType: 'api_error', anthropicType: 'overloaded_error' },
  internal_error: { status: 500, openaiType: 'api_error', anthropicType: 'api_error' },
  /** A provider's error body the gateway could not check for keys, replaced (relay/relayed-error.ts); sent with the provider's status, not this one. */
  provider_error_withheld: { status: 502, openaiType: 'api_error', anthropicType: 'api_error' },
} as const satisfies Record<string, CatalogEntry>;

export type ErrorCode = keyof typeof ERRORS;

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly param: string | null;
  /** Response headers that belong with the error (Retry-After, RateLimit-*). */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, param: string | null = null, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'GatewayError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.param = param;
    this.headers = headers;
  }
}

/** The body a provider would have sent for this error, so SDKs raise their usual typed errors. */
export function errorBody(err: GatewayError, dialect: Dialect, requestId: string): unknown {
  const entry = ERRORS[err.code];
  if (dialect === 'anthropic') {
    return { type: 'error', error: { type: entry.anthropicType, message: err.message }, request_id: requestId };
  }
  return { error: { message: err.message, type: entry.openaiType, param: err.param, code: err.code } };
}
