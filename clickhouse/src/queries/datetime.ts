/**
 * DateTime64(3, 'UTC') is written as 'YYYY-MM-DD hh:mm:ss.sss', which parses the same under
 * every date_time_input_format, and read back through toUnixTimestamp64Milli, so neither
 * the output format settings nor a server time zone can shift it.
 */
export function toDateTime64(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 23).replace('T', ' ');
}

/** Epoch ms as read back: Int64 is a JSON string from a server that quotes 64-bit integers. */
export function isoOf(epochMs: number | string): string {
  return new Date(Number(epochMs)).toISOString();
}
