import { array, bad, boolean, httpUrl, integer, object, oneOf, onlyKeys, optionalString, string } from '../json-input.ts';
import { CHANNEL_TYPES, STARTTLS_MODES, type Channel, type SmtpSettings } from '@periscope/contract';
import { isMasked, keepSecret } from './channel-secrets.ts';

export const MAX_CHANNELS = 10;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;

/**
 * Channels from an API body. A secret sent back as the API showed it (masked) keeps the
 * stored value of the channel at the same position, so a client can edit a rule it read
 * without knowing its secrets.
 */
export function parseChannels(value: unknown, path: string, previous: readonly Channel[] = []): Channel[] {
  return array(value ?? [], path, MAX_CHANNELS).map((item, i) => parseChannel(item, `${path}[${i}]`, previous[i]));
}

export function parseChannel(value: unknown, path: string, previous?: Channel): Channel {
  const o = object(value, path);
  const type = oneOf(o.type, `${path}.type`, CHANNEL_TYPES);
  const same = previous?.type === type ? previous : undefined;
  if (type === 'webhook') {
    onlyKeys(o, path, ['type', 'url', 'secret']);
    const url = httpUrl(o.url, `${path}.url`);
    const secret = keepSecret(optionalString(o.secret, `${path}.secret`, 500), same?.type === 'webhook' ? same.secret : undefined, `${path}.secret`);
    return secret === undefined ? { type, url } : { type, url, secret };
  }
  if (type === 'slack') {
    onlyKeys(o, path, ['type', 'url']);
    const sent = string(o.url, `${path}.url`, 2000);
    if (isMasked(sent)) {
      if (same?.type !== 'slack') throw bad(`${path}.url`, 'is masked, but there is no stored URL to keep');
      return { type, url: same.url };
    }
    return { type, url: httpUrl(sent, `${path}.url`) };
  }
  onlyKeys(o, path, ['type', 'to', 'smtp']);
  const toValue = typeof o.to === 'string' ? [o.to] : o.to;
  const to = array(toValue, `${path}.to`, 50).map((v, i) => {
    const address = string(v, `${path}.to[${i}]`, 320);
    if (!EMAIL.test(address)) throw bad(`${path}.to[${i}]`, 'must be an email address');
    return address;
  });
  if (to.length === 0) throw bad(`${path}.to`, 'must name at least one address');
  const smtp = o.smtp === undefined || o.smtp === null ? undefined : parseSmtp(o.smtp, `${path}.smtp`, same?.type === 'email' ? same.smtp : undefined);
  return smtp ? { type, to, smtp } : { type, to };
}

function parseSmtp(value: unknown, path: string, previous?: SmtpSettings): SmtpSettings {
  const o = object(value, path);
  onlyKeys(o, path, ['host', 'port', 'secure', 'starttls', 'user', 'password', 'from', 'reject_unauthorized', 'ca']);
  const secure = o.secure === undefined ? false : boolean(o.secure, `${path}.secure`);
  const settings: SmtpSettings = {
    host: string(o.host, `${path}.host`, 255),
    port: o.port === undefined ? (secure ? 465 : 587) : integer(o.port, `${path}.port`, 1, 65535),
    secure,
    starttls: o.starttls === undefined ? 'opportunistic' : oneOf(o.starttls, `${path}.starttls`, STARTTLS_MODES),
    from: string(o.from, `${path}.from`, 320),
    reject_unauthorized: o.reject_unauthorized === undefined ? true : boolean(o.reject_unauthorized, `${path}.reject_unauthorized`),
  };
  const user = optionalString(o.user, `${path}.user`, 320);
  const password = keepSecret(optionalString(o.password, `${path}.password`, 500), previous?.password, `${path}.password`);
  const ca = optionalString(o.ca, `${path}.ca`, 20_000);
  return { ...settings, ...(user ? { user } : {}), ...(password ? { password } : {}), ...(ca ? { ca } : {}) };
}
