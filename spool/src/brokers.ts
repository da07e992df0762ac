/** A broker list from a flag, an environment variable or a config file: comma-separated or a list. */
export function parseBrokers(value: string | string[]): string[] {
  const list = Array.isArray(value) ? value : value.split(',');
  return list.map((b) => b.trim()).filter(Boolean);
}
