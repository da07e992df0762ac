import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { bad } from '../json-input.ts';
import type { Channel } from '@periscope/contract';

/** What the API shows in place of a secret; sent back unchanged, it keeps the stored one. */
export const MASK = '********';

export const isMasked = (value: string): boolean => value === MASK || value.endsWith(`/${MASK}`);

/** A secret from an update: absent removes it, the mask keeps the stored one. */
export function keepSecret(sent: string | undefined, stored: string | undefined, path: string): string | undefined {
  if (sent === undefined || !isMasked(sent)) return sent;
  if (stored === undefined) throw bad(path, 'is masked, but there is no stored secret to keep');
  return stored;
}

/** The channel as the API returns it: a Slack URL shows its host only, other secrets not at all. */
export function maskChannel(channel: Channel): Channel {
  if (channel.type === 'webhook') return channel.secret === undefined ? channel : { ...channel, secret: MASK };
  if (channel.type === 'slack') return { ...channel, url: isSealed(channel.url) ? MASK : `${new URL(channel.url).origin}/${MASK}` };
  if (channel.smtp?.password === undefined) return channel;
  return { ...channel, smtp: { ...channel.smtp, password: MASK } };
}

/** Where a channel delivers, for history and logs: no secret, no Slack path. */
export function channelTarget(channel: Channel): string {
  if (channel.type === 'email') return channel.to.join(', ');
  if (isSealed(channel.url)) return 'slack';
  const url = new URL(channel.url);
  return channel.type === 'slack' ? url.host : `${url.origin}${url.pathname}`;
}

const SEALED = 'sealed:v1:';
const isSealed = (value: string) => value.startsWith(SEALED);

/** True when a secret could not be opened (the server secret changed since it was sealed). */
export function hasSealedSecret(channel: Channel): boolean {
  let sealed = false;
  mapSecrets(channel, (s) => {
    sealed ||= isSealed(s);
    return s;
  });
  return sealed;
}

/**
 * Channel secrets are stored encrypted (AES-256-GCM, key derived from the server secret):
 * ClickHouse is readable by more than the API (the SQL console, backups), and a webhook
 * secret or SMTP password must not be readable there.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(serverSecret: Buffer) {
    this.#key = Buffer.from(hkdfSync('sha256', serverSecret, 'periscope', 'channel secrets v1', 32));
  }

  seal(channel: Channel): Channel {
    return mapSecrets(channel, (s) => this.#seal(s));
  }

  /** Secrets that cannot be opened stay sealed: the rule still lists, and its deliveries say why they fail. */
  open(channel: Channel): Channel {
    return mapSecrets(channel, (s) => this.#open(s));
  }

  #seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return SEALED + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  #open(sealed: string): string {
    if (!isSealed(sealed)) return sealed;
    const raw = Buffer.from(sealed.slice(SEALED.length), 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return sealed;
    }
  }
}

function mapSecrets(channel: Channel, f: (secret: string) => string): Channel {
  if (channel.type === 'webhook') return channel.secret === undefined ? channel : { ...channel, secret: f(channel.secret) };
  if (channel.type === 'slack') return { ...channel, url: f(channel.url) };
  if (channel.smtp?.password === undefined) return channel;
  return { ...channel, smtp: { ...channel.smtp, password: f(channel.smtp.password) } };
}
