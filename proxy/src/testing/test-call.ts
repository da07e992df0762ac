import { BodyCapture, type CallRecord } from '../call-record.ts';
import { createPriceBook } from '../pricing/price-book.ts';
import { readRequestMetadata } from '../request-metadata.ts';

/** A finished 200 chat.completions call to OpenAI with `responseText` as its body, for unit tests. */
export function testCall(overrides: Partial<CallRecord> = {}, responseText = ''): CallRecord {
  const response = new BodyCapture(1024 * 1024);
  if (responseText) response.add(Buffer.from(responseText));
  return {
    requestId: 'r1', startedAt: Date.UTC(2026, 10, 25), t0: performance.now() - 12, meta: readRequestMetadata({}),
    userAgent: 'test', projectId: 'p', keyId: 'k', keyAccess: { allowed_models: [], limit: undefined }, provider: 'openai', providerType: 'openai', model: 'gpt-4o-mini',
    endpoint: 'chat.completions', streamed: false, status: 200, errorType: '', errorMessage: '', ttftMs: null,
    requestBody: Buffer.from('{"model":"gpt-4o-mini"}'), response, streamObserved: undefined, upstreamRequestId: '',
    secrets: [], attempts: 1, attemptLog: [], fallbackModel: '', cacheStatus: 'bypass', cacheSourceRequestId: '', promptCache: undefined,
    onEnd: [], event: undefined, responseHeaders: {}, priceBook: createPriceBook(), trace: undefined, ...overrides,
  };
}
