import { epochNanos, type AnyValue, type KeyValue, type OtlpResource, type OtlpSpan } from './otlp-model.ts';

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

/**
 * A minimal protobuf writer for ExportTraceServiceRequest (opentelemetry-proto
 * collector/trace/v1): varints, fixed-width numbers, strings, bytes and nested messages. A nested
 * message is written into its own writer and copied behind its length, which costs a copy per
 * level (six at most here) and keeps the writer trivial.
 */
class Writer {
  #buf = Buffer.allocUnsafe(256);
  #len = 0;

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + n));
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }

  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    this.#reserve(10);
    while (v > 0x7fn) {
      this.#buf[this.#len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#buf[this.#len++] = Number(v);
  }

  /** Varint for values known to fit in 32 bits (tags, lengths, enums), without BigInt. */
  uint32(value: number): void {
    this.#reserve(5);
    let v = value >>> 0;
    while (v > 0x7f) {
      this.#buf[this.#len++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.#buf[this.#len++] = v;
  }

  tag(field: number, wire: number): void {
    this.uint32((field << 3) | wire);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, LEN);
    this.uint32(data.length);
    this.#reserve(data.length);
    this.#buf.set(data, this.#len);
    this.#len += data.length;
  }

  string(field: number, value: string): void {
    if (value.length === 0) return;
    this.bytes(field, Buffer.from(value, 'utf8'));
  }

  fixed64(field: number, value: bigint): void {
    this.tag(field, FIXED64);
    this.#reserve(8);
    this.#buf.writeBigUInt64LE(value, this.#len);
    this.#len += 8;
  }

  fixed32(field: number, value: number): void {
    this.tag(field, FIXED32);
    this.#reserve(4);
    this.#buf.writeUInt32LE(value >>> 0, this.#len);
    this.#len += 4;
  }

  double(field: number, value: number): void {
    this.tag(field, FIXED64);
    this.#reserve(8);
    this.#buf.writeDoubleLE(value, this.#len);
    this.#len += 8;
  }

  message(field: number, write: (w: Writer) => void): void {
    const child = new Writer();
    write(child);
    this.bytes(field, child.finish());
  }

  finish(): Buffer {
    return this.#buf.subarray(0, this.#len);
  }
}

// AnyValue: string_value 1, bool_value 2, int_value 3, double_value 4, array_value 5 (ArrayValue.values 1).
function anyValue(w: Writer, v: AnyValue): void {
  if ('string' in v) {
    // Written even when empty: an AnyValue with no field set would mean "no value".
    w.bytes(1, Buffer.from(v.string, 'utf8'));
  } else if ('bool' in v) {
    w.tag(2, VARINT);
    w.uint32(v.bool ? 1 : 0);
  } else if ('int' in v) {
    w.tag(3, VARINT);
    w.varint(v.int);
  } else if ('double' in v) {
    w.double(4, v.double);
  } else {
    w.message(5, (arr) => {
      for (const item of v.array) arr.message(1, (x) => anyValue(x, item));
    });
  }
}

function keyValue(w: Writer, kv: KeyValue): void {
  w.string(1, kv.key);
  w.message(2, (v) => anyValue(v, kv.value));
}

const hex = (id: string): Buffer => Buffer.from(id, 'hex');

// Span: trace_id 1, span_id 2, trace_state 3, parent_span_id 4, name 5, kind 6, start 7, end 8,
// attributes 9, status 15 (message 2, code 3), flags 16.
function span(w: Writer, s: OtlpSpan): void {
  w.bytes(1, hex(s.traceId));
  w.bytes(2, hex(s.spanId));
  w.string(3, s.traceState);
  if (s.parentSpanId) w.bytes(4, hex(s.parentSpanId));
  w.string(5, s.name);
  w.tag(6, VARINT);
  w.uint32(s.kind);
  w.fixed64(7, epochNanos(s.startMs));
  w.fixed64(8, epochNanos(s.endMs));
  for (const kv of s.attributes) w.message(9, (x) => keyValue(x, kv));
  if (s.status.code !== 0 || s.status.message) {
    w.message(15, (st) => {
      st.string(2, s.status.message);
      if (s.status.code !== 0) {
        st.tag(3, VARINT);
        st.uint32(s.status.code);
      }
    });
  }
  w.fixed32(16, s.flags);
}

/** ExportTraceServiceRequest { resource_spans 1: ResourceSpans { resource 1, scope_spans 2: { scope 1, spans 2 } } }. */
export function encodeProtobuf(resource: OtlpResource, spans: readonly OtlpSpan[]): Buffer {
  const w = new Writer();
  w.message(1, (rs) => {
    rs.message(1, (r) => {
      for (const kv of resource.attributes) r.message(1, (x) => keyValue(x, kv));
    });
    rs.message(2, (ss) => {
      ss.message(1, (scope) => {
        scope.string(1, resource.scopeName);
        scope.string(2, resource.scopeVersion);
      });
      for (const s of spans) ss.message(2, (x) => span(x, s));
    });
  });
  return w.finish();
}
