import { isIP } from 'node:net';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { guardedLookup } from '@periscope/proxy';
import type { Delivery, EmailChannel, Notification, SmtpSettings } from '@periscope/contract';
import type { ChannelContext } from './channel-context.ts';
import { channelTarget } from './channel-secrets.ts';

/**
 * Sends over SMTP with nodemailer. The server's name is resolved through the same address
 * guard as webhooks and the connection goes to the checked address (the name stays the TLS
 * server name), so an SMTP host cannot be pointed at an internal service either. Transient
 * failures (connection errors, 4xx replies) are retried with backoff; 5xx replies are final.
 */
export async function sendEmail(channel: EmailChannel, notification: Notification, ctx: ChannelContext): Promise<Delivery> {
  const smtp = channel.smtp ?? ctx.smtp;
  const target = channelTarget(channel);
  if (!smtp) return { channel: 'email', target, ok: false, attempts: 0, error: 'no SMTP server: set the channel smtp or alerts.smtp in the config' };
  const message = {
    from: smtp.from,
    to: channel.to,
    subject: notification.title,
    text: notification.link ? `${notification.text}\n\n${notification.link}\n` : `${notification.text}\n`,
    html: emailHtml(notification),
    attachments: notification.attachments,
  };
  // Loaded here, not at import: every process that imports the control plane (the gateway too)
  // would otherwise carry nodemailer in its heap. Failing to load it is final, not transient.
  let createTransport: typeof import('nodemailer').createTransport;
  try {
    ({ createTransport } = await import('nodemailer'));
  } catch (err) {
    return { channel: 'email', target, ok: false, attempts: 0, error: `nodemailer could not be loaded: ${(err as Error).message}` };
  }
  let error = '';
  for (let attempt = 1; attempt <= ctx.attempts; attempt++) {
    try {
      const address = await resolveGuarded(smtp.host, ctx);
      const transport = createTransport(transportOptions(smtp, address, ctx.timeoutMs));
      try {
        await transport.sendMail(message);
      } finally {
        transport.close();
      }
      return { channel: 'email', target, ok: true, attempts: attempt };
    } catch (err) {
      error = (err as Error).message;
      const code = (err as { responseCode?: number }).responseCode;
      if ((code !== undefined && code >= 500) || (err as { code?: string }).code === 'PERISCOPE_BLOCKED_ADDRESS') {
        return { channel: 'email', target, ok: false, attempts: attempt, error };
      }
    }
    if (attempt < ctx.attempts) await sleep(Math.random() * ctx.baseDelayMs * 2 ** (attempt - 1));
  }
  return { channel: 'email', target, ok: false, attempts: ctx.attempts, error };
}

function transportOptions(smtp: SmtpSettings, address: string, timeoutMs: number) {
  return {
    host: address,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: !smtp.secure && smtp.starttls === 'required',
    ignoreTLS: !smtp.secure && smtp.starttls === 'never',
    auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
    tls: { ...(isIP(smtp.host) ? {} : { servername: smtp.host }), rejectUnauthorized: smtp.reject_unauthorized, ...(smtp.ca ? { ca: smtp.ca } : {}) },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  };
}

async function resolveGuarded(host: string, ctx: ChannelContext): Promise<string> {
  const lookup = promisify(guardedLookup(ctx.allowedNetworks)) as unknown as (h: string, o: object) => Promise<{ address: string } | string>;
  const result = await lookup(host.replace(/^\[|\]$/g, ''), { all: false });
  return typeof result === 'string' ? result : result.address;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function emailHtml(n: Notification): string {
  const link = n.link ? `<p><a href="${escapeHtml(n.link)}">Open in Periscope</a></p>` : '';
  return `<p><strong>${escapeHtml(n.title)}</strong></p><p style="white-space:pre-wrap">${escapeHtml(n.text)}</p>${link}`;
}
