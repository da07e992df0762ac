/** The parts of the OTLP trace model Periscope sends (opentelemetry-proto trace/v1, common/v1). */
export type AnyValue =
  | { string: string }
  | { bool: boolean }
  | { int: number }
  | { double: number }
  | { array: AnyValue[] };

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export const SPAN_KIND_CLIENT = 3;
export const STATUS_UNSET = 0;
export const STATUS_ERROR = 2;
/** Span.flags: bits 0-7 are the W3C trace flags; bit 8 says bit 9 is known, bit 9 that the parent is remote. */
export const FLAG_SAMPLED = 0x01;
export const FLAG_HAS_IS_REMOTE = 0x100;
export const FLAG_IS_REMOTE = 0x200;

export interface OtlpSpan {
  /** Lower-case hex, as on the wire of traceparent. */
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  /** Epoch milliseconds with sub-millisecond precision; encoded as nanoseconds. */
  startMs: number;
  endMs: number;
  attributes: KeyValue[];
  status: { code: number; message: string };
}

export interface OtlpResource {
  attributes: KeyValue[];
  scopeName: string;
  scopeVersion: string;
}

/** Attribute builders: OTLP keeps ints and doubles apart, JavaScript numbers do not. */
export const str = (key: string, value: string): KeyValue => ({ key, value: { string: value } });
export const int = (key: string, value: number): KeyValue => ({ key, value: { int: Math.trunc(value) } });
export const double = (key: string, value: number): KeyValue => ({ key, value: { double: value } });
export const bool = (key: string, value: boolean): KeyValue => ({ key, value: { bool: value } });
export const strs = (key: string, values: string[]): KeyValue => ({ key, value: { array: values.map((v) => ({ string: v })) } });

/** Nanoseconds since the epoch as a decimal string (beyond 2^53, so never a plain number). */
export function epochNanos(ms: number): bigint {
  return BigInt(Math.round(ms * 1000)) * 1000n;
}
