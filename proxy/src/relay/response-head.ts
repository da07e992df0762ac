import type { OutgoingHttpHeader } from 'node:http';

type HeaderValue = string | string[] | number;

/**
 * A response head as Node's flat list of names and values, for `res.writeHead(status, head)`:
 * the provider's headers, then the gateway's, a gateway header replacing the provider's of the
 * same name. Not a merged object: `{ ...provider, ...gateway }` promoted about 1 KB per call to
 * V8's old space (`--trace-gc-nvp` at 500 calls/s: 1,476–1,558 bytes per call with the merged
 * object, 459–490 with this list), so a mark-compact and its pause every few seconds
 * (docs/benchmarks.md, "What the gateway promoted to old space").
 */
export function responseHead(
  provider: Readonly<Record<string, HeaderValue | undefined>>,
  gateway: Readonly<Record<string, HeaderValue>>,
): OutgoingHttpHeader[] {
  const head: OutgoingHttpHeader[] = [];
  for (const name in provider) {
    const value = provider[name];
    if (value !== undefined && !Object.hasOwn(gateway, name)) head.push(name, value);
  }
  for (const name in gateway) head.push(name, gateway[name]!);
  return head;
}
