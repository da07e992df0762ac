/**
 * Just enough of Thrift's compact protocol to read a Parquet footer (FileMetaData), change
 * a few integers and write it back. Values are kept generically, by field id and wire type,
 * so fields this code does not know survive the round trip unchanged.
 */
export const T = { TRUE: 1, FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12 } as const;

export interface Field {
  id: number;
  type: number;
  value: Value;
}
export type Struct = Field[];
export interface List {
  elemType: number;
  items: Value[];
}
export interface MapValue {
  keyType: number;
  valueType: number;
  entries: [Value, Value][];
}
export type Value = boolean | number | bigint | Uint8Array | List | MapValue | Struct;

export class CompactReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get offset(): number {
    return this.pos;
  }

  readStruct(): Struct {
    const fields: Struct = [];
    let lastId = 0;
    for (;;) {
      const header = this.byte();
      if (header === 0) return fields;
      const type = header & 0x0f;
      const delta = header >> 4;
      const id = delta === 0 ? zigzag(this.varint()) : lastId + delta;
      lastId = id;
      const value = type === T.TRUE || type === T.FALSE ? type === T.TRUE : this.readValue(type);
      fields.push({ id, type, value });
    }
  }

  private readValue(type: number): Value {
    switch (type) {
      case T.TRUE:
      case T.FALSE:
        // Inside lists a boolean is a whole byte: 1 is true.
        return this.byte() === 1;
      case T.BYTE:
        return this.byte();
      case T.I16:
      case T.I32:
        return zigzag(this.varint());
      case T.I64:
        return zigzagBig(this.varintBig());
      case T.DOUBLE: {
        const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
        this.pos += 8;
        return view.getFloat64(0, true);
      }
      case T.BINARY: {
        const length = this.varint();
        const bytes = this.buf.subarray(this.pos, this.pos + length);
        this.pos += length;
        return bytes;
      }
      case T.LIST:
      case T.SET: {
        const header = this.byte();
        const size = header >> 4 === 15 ? this.varint() : header >> 4;
        const elemType = header & 0x0f;
        const items: Value[] = [];
        for (let i = 0; i < size; i += 1) items.push(this.readValue(elemType));
        return { elemType, items };
      }
      case T.MAP: {
        const size = this.varint();
        if (size === 0) return { keyType: 0, valueType: 0, entries: [] };
        const types = this.byte();
        const keyType = types >> 4;
        const valueType = types & 0x0f;
        const entries: [Value, Value][] = [];
        for (let i = 0; i < size; i += 1) entries.push([this.readValue(keyType), this.readValue(valueType)]);
        return { keyType, valueType, entries };
      }
      case T.STRUCT:
        return this.readStruct();
      default:
        throw new Error(`Thrift compact: unknown type ${type} at byte ${this.pos}`);
    }
  }

  private byte(): number {
    if (this.pos >= this.buf.length) throw new Error('Thrift compact: unexpected end of data');
    return this.buf[this.pos++]!;
  }

  private varint(): number {
    return Number(this.varintBig());
  }

  private varintBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }
}

export class CompactWriter {
  private readonly parts: number[] = [];

  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }

  writeStruct(fields: Struct): void {
    let lastId = 0;
    for (const f of fields) {
      const type = f.type === T.TRUE || f.type === T.FALSE ? (f.value ? T.TRUE : T.FALSE) : f.type;
      const delta = f.id - lastId;
      if (delta > 0 && delta <= 15) this.parts.push((delta << 4) | type);
      else {
        this.parts.push(type);
        this.varint(BigInt(unzigzag(f.id)));
      }
      lastId = f.id;
      if (type !== T.TRUE && type !== T.FALSE) this.writeValue(type, f.value);
    }
    this.parts.push(0);
  }

  private writeValue(type: number, value: Value): void {
    switch (type) {
      case T.TRUE:
      case T.FALSE:
        this.parts.push(value ? 1 : 2);
        return;
      case T.BYTE:
        this.parts.push((value as number) & 0xff);
        return;
      case T.I16:
      case T.I32:
        this.varint(BigInt(unzigzag(value as number)));
        return;
      case T.I64:
        this.varint(unzigzagBig(value as bigint));
        return;
      case T.DOUBLE: {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setFloat64(0, value as number, true);
        this.parts.push(...b);
        return;
      }
      case T.BINARY: {
        const bytes = value as Uint8Array;
        this.varint(BigInt(bytes.length));
        for (const b of bytes) this.parts.push(b);
        return;
      }
      case T.LIST:
      case T.SET: {
        const list = value as List;
        if (list.items.length < 15) this.parts.push((list.items.length << 4) | list.elemType);
        else {
          this.parts.push(0xf0 | list.elemType);
          this.varint(BigInt(list.items.length));
        }
        for (const item of list.items) this.writeValue(list.elemType, item);
        return;
      }
      case T.MAP: {
        const map = value as MapValue;
        this.varint(BigInt(map.entries.length));
        if (map.entries.length === 0) return;
        this.parts.push((map.keyType << 4) | map.valueType);
        for (const [k, v] of map.entries) {
          this.writeValue(map.keyType, k);
          this.writeValue(map.valueType, v);
        }
        return;
      }
      case T.STRUCT:
        this.writeStruct(value as Struct);
        return;
      default:
        throw new Error(`Thrift compact: unknown type ${type}`);
    }
  }

  private varint(n: bigint): void {
    let v = n;
    while (v >= 0x80n) {
      this.parts.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.parts.push(Number(v));
  }
}

const zigzag = (n: number): number => (n >>> 1) ^ -(n & 1);
const unzigzag = (n: number): number => ((n << 1) ^ (n >> 31)) >>> 0;
const zigzagBig = (n: bigint): bigint => (n >> 1n) ^ -(n & 1n);
const unzigzagBig = (n: bigint): bigint => (n << 1n) ^ (n >> 63n);

export function field(s: Struct, id: number): Field | undefined {
  return s.find((f) => f.id === id);
}
