import { trimTrailing } from '../trim-trailing.ts';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent } from 'undici';
import { blockedReason, type Cidr } from './address-policy.ts';

export class BlockedAddressError extends Error {
  readonly code = 'PERISCOPE_BLOCKED_ADDRESS';
}

/**
 * A DNS lookup for outbound sockets that refuses private, loopback, link-local and metadata
 * addresses. The socket connects to the address checked here (net.connect uses what the
 * lookup returns), so a DNS answer cannot change between the check and the connection.
 */
export function guardedLookup(allowed: readonly Cidr[]): LookupFunction {
  return (hostname, options, callback) => {
    if (isLocalhostName(hostname) && blockedReason('127.0.0.1', allowed)) {
      return callback(new BlockedAddressError(`${hostname} is loopback; refused`), '', 0);
    }
    dnsLookup(hostname, Object.assign({}, options, { all: true as const }), (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as LookupAddress[];
      for (const a of list) {
        const reason = blockedReason(a.address, allowed);
        if (reason) return callback(new BlockedAddressError(`${hostname} resolves to ${a.address} (${reason}); refused`), '', 0);
      }
      if (list.length === 0) return callback(new Error(`${hostname} has no address`), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

/** RFC 6761: `localhost` and its subdomains are loopback, however a resolver answers (`localhost.` included). */
function isLocalhostName(hostname: string): boolean {
  const name = trimTrailing(hostname.toLowerCase(), '.');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** Checks a URL's host before connecting: an IP literal never reaches the DNS lookup. */
export function checkLiteralHost(url: URL, allowed: readonly Cidr[]): void {
  if (isLocalhostName(url.hostname) && blockedReason('127.0.0.1', allowed)) throw new BlockedAddressError(`${url.hostname} is loopback; refused`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) === 0) return;
  const reason = blockedReason(host, allowed);
  if (reason) throw new BlockedAddressError(`${url.hostname} is a ${reason} address; refused`);
}

/** An undici pool for destinations a client chose: every connection goes through the guard. */
export function createGuardedAgent(allowed: readonly Cidr[], connectTimeoutMs: number): Agent {
  return new Agent({ connect: { timeout: connectTimeoutMs, lookup: guardedLookup(allowed) }, keepAliveTimeout: 30_000 });
}
