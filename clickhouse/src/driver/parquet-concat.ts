import { CompactReader, CompactWriter, field, T, type List, type Struct } from './thrift-compact.ts';

const MAGIC = Buffer.from('PAR1');

// Parquet's FileMetaData, RowGroup, ColumnChunk and ColumnMetaData field ids (parquet.thrift).
const FILE_NUM_ROWS = 3;
const FILE_ROW_GROUPS = 4;
const FILE_SCHEMA = 2;
const GROUP_COLUMNS = 1;
const GROUP_FILE_OFFSET = 5;
const GROUP_ORDINAL = 7;
const CHUNK_FILE_OFFSET = 2;
const CHUNK_META = 3;
/** offset_index_offset/length, column_index_offset/length: dropped (see below). */
const CHUNK_PAGE_INDEX = new Set([4, 5, 6, 7]);
/** data_page_offset, index_page_offset, dictionary_page_offset, bloom_filter_offset. */
const META_OFFSETS = new Set([9, 10, 11, 14]);

/**
 * Joins the Parquet files chDB streams (each chunk of a streamed result is a whole file) into
 * one file as they arrive: the row groups are copied through, and only their metadata is
 * kept until the end, where one footer lists them all with offsets moved to where they now
 * are. Memory stays at one chunk plus a few hundred bytes of metadata per row group.
 *
 * Page indexes hold absolute offsets inside their own (body) bytes, which cannot be moved
 * without re-encoding the body; their references are dropped, so readers scan pages in
 * order (the streams are written without them anyway).
 */
export class ParquetConcat {
  private written = 0;
  private template: Struct | null = null;
  private schema: Uint8Array | null = null;
  private readonly rowGroups: Struct[] = [];
  private rows = 0n;

  /** The bytes to send for one chunk file. */
  push(file: Uint8Array): Uint8Array {
    const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
    if (buf.length < 12 || !buf.subarray(0, 4).equals(MAGIC) || !buf.subarray(-4).equals(MAGIC)) {
      throw new Error('A Parquet chunk from the engine is not a whole Parquet file.');
    }
    const footerLength = buf.readUInt32LE(buf.length - 8);
    const footerStart = buf.length - 8 - footerLength;
    const meta = new CompactReader(buf.subarray(footerStart, buf.length - 8)).readStruct();
    const schema = encode(field(meta, FILE_SCHEMA)?.value as List | undefined);
    if (this.schema === null) {
      this.template = meta;
      this.schema = schema;
    } else if (!Buffer.from(schema).equals(Buffer.from(this.schema))) {
      throw new Error('Parquet chunks of one result have different schemas.');
    }

    const head = this.written === 0 ? MAGIC : Buffer.alloc(0);
    // The body (after the chunk's magic) lands at this offset of the joined file.
    const bodyAt = this.written + head.length;
    const shift = BigInt(bodyAt - 4);
    for (const group of (field(meta, FILE_ROW_GROUPS)?.value as List | undefined)?.items ?? []) {
      this.rowGroups.push(relocateRowGroup(group as Struct, shift, this.rowGroups.length));
    }
    this.rows += BigInt(field(meta, FILE_NUM_ROWS)?.value as bigint ?? 0n);
    const body = buf.subarray(4, footerStart);
    this.written += head.length + body.length;
    return Buffer.concat([head, body]);
  }

  /** The footer (or, when no chunk came, nothing: there is no schema to write). */
  finish(): Uint8Array {
    if (this.template === null) return new Uint8Array(0);
    const meta = this.template
      .filter((f) => f.id !== FILE_ROW_GROUPS && f.id !== FILE_NUM_ROWS)
      .concat([
        { id: FILE_NUM_ROWS, type: T.I64, value: this.rows },
        { id: FILE_ROW_GROUPS, type: T.LIST, value: { elemType: T.STRUCT, items: this.rowGroups } },
      ])
      .sort((a, b) => a.id - b.id);
    const writer = new CompactWriter();
    writer.writeStruct(meta);
    const footer = writer.bytes();
    const length = Buffer.alloc(4);
    length.writeUInt32LE(footer.length);
    return Buffer.concat([footer, length, MAGIC]);
  }
}

function relocateRowGroup(group: Struct, shift: bigint, ordinal: number): Struct {
  return group.map((f) => {
    if (f.id === GROUP_FILE_OFFSET) return { ...f, value: moved(f.value as bigint, shift) };
    if (f.id === GROUP_ORDINAL) return { ...f, value: ordinal };
    if (f.id !== GROUP_COLUMNS) return f;
    const columns = f.value as List;
    return { ...f, value: { ...columns, items: columns.items.map((c) => relocateColumn(c as Struct, shift)) } };
  });
}

function relocateColumn(chunk: Struct, shift: bigint): Struct {
  return chunk
    .filter((f) => !CHUNK_PAGE_INDEX.has(f.id))
    .map((f) => {
      if (f.id === CHUNK_FILE_OFFSET) return { ...f, value: moved(f.value as bigint, shift) };
      if (f.id !== CHUNK_META) return f;
      const meta = (f.value as Struct).map((m) => (META_OFFSETS.has(m.id) ? { ...m, value: moved(m.value as bigint, shift) } : m));
      return { ...f, value: meta };
    });
}

/** 0 means "not written" for the optional offsets: it stays 0. */
const moved = (offset: bigint, shift: bigint): bigint => (offset === 0n ? 0n : offset + shift);

function encode(list: List | undefined): Uint8Array {
  const writer = new CompactWriter();
  writer.writeStruct(list ? [{ id: 1, type: T.LIST, value: list }] : []);
  return writer.bytes();
}
