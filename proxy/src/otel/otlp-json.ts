import { epochNanos, type AnyValue, type KeyValue, type OtlpResource, type OtlpSpan } from './otlp-model.ts';

/**
 * OTLP/JSON (the protobuf JSON mapping with OTLP's exceptions: trace and span ids as hex strings,
 * enums as integers, camelCase names; 64-bit integers as decimal strings).
 */
function anyValue(v: AnyValue): unknown {
  if ('string' in v) return { stringValue: v.string };
  if ('bool' in v) return { boolValue: v.bool };
  if ('int' in v) return { intValue: String(v.int) };
  if ('double' in v) return { doubleValue: v.double };
  return { arrayValue: { values: v.array.map(anyValue) } };
}

const attributes = (kvs: readonly KeyValue[]) => kvs.map((kv) => ({ key: kv.key, value: anyValue(kv.value) }));

function span(s: OtlpSpan): unknown {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.traceState ? { traceState: s.traceState } : {}),
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    flags: s.flags,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: String(epochNanos(s.startMs)),
    endTimeUnixNano: String(epochNanos(s.endMs)),
    attributes: attributes(s.attributes),
    status: Object.assign({}, s.status.message ? { message: s.status.message } : {}, s.status.code ? { code: s.status.code } : {}),
  };
}

export function encodeJson(resource: OtlpResource, spans: readonly OtlpSpan[]): Buffer {
  return Buffer.from(JSON.stringify({
    resourceSpans: [{
      resource: { attributes: attributes(resource.attributes) },
      scopeSpans: [{ scope: { name: resource.scopeName, version: resource.scopeVersion }, spans: spans.map(span) }],
    }],
  }));
}
