import { isIP } from 'node:net';

/** A parsed CIDR block: family, network bits as a bigint, prefix length. */
export interface Cidr {
  family: 4 | 6;
  bits: bigint;
  prefix: number;
  text: string;
}

function v4ToBigInt(ip: string): bigint {
  return ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

/** Expands `::` and an embedded dotted quad; `ip` is known to be IPv6 (isIP === 6). */
function v6ToBigInt(ip: string): bigint {
  let text = ip.toLowerCase().split('%', 1)[0]!;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const v = v4ToBigInt(quad[1]!);
    text = `${text.slice(0, -quad[1]!.length)}${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const zeros = tail === undefined ? 0 : 8 - headParts.length - tailParts.length;
  const parts = [...headParts, ...Array<string>(zeros).fill('0'), ...tailParts];
  return parts.reduce((acc, part) => (acc << 16n) | BigInt(parseInt(part || '0', 16)), 0n);
}

export function parseCidr(text: string): Cidr {
  const [ip = '', prefixText] = text.trim().split('/');
  const family = isIP(ip);
  if (family === 0) throw new Error(`"${text}" is not an IP address or CIDR block`);
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`"${text}" has a bad prefix length`);
  const value = family === 4 ? v4ToBigInt(ip) : v6ToBigInt(ip);
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(max - prefix);
  return { family: family as 4 | 6, bits: value & mask, prefix, text };
}

function contains(cidr: Cidr, family: 4 | 6, value: bigint): boolean {
  if (cidr.family !== family) return false;
  const max = family === 4 ? 32 : 128;
  const mask = cidr.prefix === 0 ? 0n : ((1n << BigInt(cidr.prefix)) - 1n) << BigInt(max - cidr.prefix);
  return (value & mask) === cidr.bits;
}

/** Where a request from the gateway must not go on a client's say-so. */
const BLOCKED: Array<[string, Cidr]> = [
  ['this network', '0.0.0.0/8'], ['private', '10.0.0.0/8'], ['shared address space', '100.64.0.0/10'],
  ['loopback', '127.0.0.0/8'], ['link-local (cloud metadata)', '169.254.0.0/16'], ['private', '172.16.0.0/12'],
  ['IETF protocol assignments', '192.0.0.0/24'], ['documentation', '192.0.2.0/24'], ['private', '192.168.0.0/16'],
  ['benchmarking', '198.18.0.0/15'], ['documentation', '198.51.100.0/24'], ['documentation', '203.0.113.0/24'],
  ['multicast', '224.0.0.0/4'], ['reserved', '240.0.0.0/4'],
  ['unspecified', '::/128'], ['loopback', '::1/128'], ['unique local (private)', 'fc00::/7'],
  ['link-local', 'fe80::/10'], ['multicast', 'ff00::/8'], ['documentation', '2001:db8::/32'],
].map(([name, cidr]) => [name!, parseCidr(cidr!)] as [string, Cidr]);

const V4_MAPPED = parseCidr('::ffff:0:0/96');
const NAT64 = parseCidr('64:ff9b::/96');

/**
 * Why `ip` is off limits (e.g. "loopback"), or undefined for a public address. IPv4 addresses
 * hidden in IPv6 (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`) are judged as IPv4, and
 * networks the operator listed in `allowed` are let through.
 */
export function blockedReason(ip: string, allowed: readonly Cidr[] = []): string | undefined {
  const family = isIP(ip);
  if (family === 0) return 'not an IP address';
  let fam = family as 4 | 6;
  let value = fam === 4 ? v4ToBigInt(ip) : v6ToBigInt(ip);
  if (fam === 6 && (contains(V4_MAPPED, 6, value) || contains(NAT64, 6, value))) {
    fam = 4;
    value &= 0xffffffffn;
  }
  if (allowed.some((c) => contains(c, fam, value))) return undefined;
  return BLOCKED.find(([, c]) => contains(c, fam, value))?.[0];
}
