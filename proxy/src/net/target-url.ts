import { trimTrailing } from '../trim-trailing.ts';
import { GatewayError } from '../errors.ts';

/**
 * `Periscope-Target-Url` / `Helicone-Target-Url`: for teams migrating from Helicone, a call
 * may name its upstream, but only one the operator listed in `gateway.target_urls`. An
 * entry is a URL prefix; `*.` in its host matches any one subdomain label set
 * (`https://*.openai.azure.com`). Scheme, host and port must match exactly, and the
 * target's path must start with the entry's path. Userinfo is never accepted.
 */
export function allowedTargetUrl(value: string, allowList: readonly string[]): URL {
  let target: URL;
  try {
    target = new URL(value.trim());
  } catch {
    throw new GatewayError('target_url_not_allowed', 'Periscope-Target-Url is not a valid URL.');
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw new GatewayError('target_url_not_allowed', 'Periscope-Target-Url must be http or https.');
  }
  if (target.username || target.password) throw new GatewayError('target_url_not_allowed', 'Periscope-Target-Url must not carry credentials.');
  const ok = allowList.some((entry) => matches(target, entry));
  if (!ok) {
    throw new GatewayError('target_url_not_allowed', `Target ${target.origin} is not in gateway.target_urls; the operator must list it.`);
  }
  return target;
}

function matches(target: URL, entry: string): boolean {
  const wildcard = entry.includes('://*.');
  const allowed = new URL(wildcard ? entry.replace('://*.', '://wildcard.') : entry);
  if (allowed.protocol !== target.protocol || allowed.port !== target.port) return false;
  if (wildcard) {
    const suffix = allowed.hostname.slice('wildcard'.length); // ".openai.azure.com"
    if (!target.hostname.endsWith(suffix) || target.hostname.length === suffix.length) return false;
  } else if (allowed.hostname !== target.hostname) return false;
  const prefix = trimTrailing(allowed.pathname, '/');
  return target.pathname === prefix || target.pathname.startsWith(`${prefix}/`) || prefix === '';
}
