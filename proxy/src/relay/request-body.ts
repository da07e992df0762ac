import type { FastifyRequest } from 'fastify';
import { copyWith } from '@periscope/contract';
import { GatewayError } from '../errors.ts';
import type { Endpoint } from '../providers/types.ts';
import { expectsJsonBody } from '../routing/endpoint.ts';
import { checkJsonDepth, checkNoPrototypeKeys, decodeUtf8 } from './hostile-json.ts';

export interface ParsedBody {
  raw: Buffer | undefined;
  /** The body as received, decoded, when it was parsed (strict UTF-8; a leading byte order mark dropped); `raw` may be replaced later. */
  text: string | undefined;
  json: Record<string, unknown> | undefined;
  model: string | undefined;
  stream: boolean;
}

/** Content types a pass-through call may send unchecked: file and audio uploads, which are not JSON. */
const OPAQUE_BODY = /^(?:multipart\/form-data|application\/octet-stream|audio\/|image\/|video\/)/;

const contentTypeOf = (request: FastifyRequest) => (request.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();

/** A body that must be one JSON object: strict UTF-8, bounded depth, no `__proto__` keys. */
function parseJsonObject(raw: Buffer | undefined): { text: string; json: Record<string, unknown> } {
  if (!raw || raw.length === 0) throw new GatewayError('invalid_json', 'The request body is empty; expected a JSON object.');
  const text = decodeUtf8(raw);
  checkJsonDepth(raw);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new GatewayError('invalid_json', `The request body is not valid JSON: ${(err as Error).message}`);
  }
  checkNoPrototypeKeys(json);
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  }
  return { text, json: json as Record<string, unknown> };
}

/**
 * Checks every body the gateway forwards. The providers' own endpoints take a JSON object
 * naming a model; a pass-through body (any other path under a provider) is forwarded as sent,
 * but only after the same checks, unless it is an upload (multipart, octet-stream, audio,
 * image, video). A GET or HEAD body is never forwarded, so it is not read.
 */
export function parseJsonBody(request: FastifyRequest, endpoint: Endpoint): ParsedBody {
  const raw = request.body as Buffer | undefined;
  if (!expectsJsonBody(endpoint)) {
    const forwarded = raw !== undefined && raw.length > 0 && request.method !== 'GET' && request.method !== 'HEAD';
    const text = forwarded && !OPAQUE_BODY.test(contentTypeOf(request)) ? parseJsonObject(raw).text : undefined;
    return { raw, text, json: undefined, model: undefined, stream: false };
  }
  const type = contentTypeOf(request);
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new GatewayError('unsupported_media_type', `Expected Content-Type: application/json, got "${type || 'none'}".`);
  }
  const { text, json: body } = parseJsonObject(raw);
  if (body.model !== undefined && typeof body.model !== 'string') {
    throw new GatewayError('invalid_request', '"model" must be a string.', 'model');
  }
  return { raw, text, json: body, model: body.model as string | undefined, stream: body.stream === true };
}

/** Whether to ask an OpenAI-style stream for its usage chunk (hidden from the client again). */
export function wantsInjectedUsage(endpoint: Endpoint, body: ParsedBody, dialectIsOpenAi: boolean, enabled: boolean): boolean {
  if (!enabled || !dialectIsOpenAi || !body.stream || !body.json) return false;
  if (endpoint !== 'chat.completions' && endpoint !== 'completions') return false;
  const opts = body.json.stream_options as Record<string, unknown> | undefined;
  return opts?.include_usage !== true;
}

/** Adds `field` as the last member of the JSON object in `raw` (known to be an object with members). */
function appendJsonField(raw: Buffer, field: string): Buffer {
  const end = raw.lastIndexOf(0x7d); // '}'
  return Buffer.concat([raw.subarray(0, end), Buffer.from(`,${field}`), raw.subarray(end)]);
}

/**
 * The body for one deployment: unchanged unless the model is renamed or the usage chunk is
 * requested. The common edit (usage only) is spliced into the original text: re-serialising
 * would round 64-bit integers (a `seed`, say) and cost a full JSON.stringify of the body.
 */
export function upstreamBodyFor(body: ParsedBody, upstreamModel: string | undefined, injectUsage: boolean): Buffer | undefined {
  const renamed = upstreamModel !== undefined && upstreamModel !== body.model;
  if (!body.json || (!renamed && !injectUsage)) return body.raw;
  if (!renamed && body.raw && !('stream_options' in body.json)) {
    return appendJsonField(body.raw, '"stream_options":{"include_usage":true}');
  }
  const fields: Record<string, unknown> = {};
  if (renamed) fields.model = upstreamModel;
  if (injectUsage) fields.stream_options = copyWith(body.json.stream_options as object | undefined, { include_usage: true });
  return Buffer.from(JSON.stringify(copyWith(body.json, fields)));
}
