import type { Delivery, Notification, WebhookChannel } from '@periscope/contract';
import type { ChannelContext } from './channel-context.ts';
import { channelTarget } from './channel-secrets.ts';
import { postWithRetries } from './http-delivery.ts';
import { SIGNATURE_HEADER, signatureHeader } from './signature.ts';

/** The notification's JSON, signed with the channel secret when it has one. */
export async function sendWebhook(channel: WebhookChannel, notification: Notification, ctx: ChannelContext): Promise<Delivery> {
  const body = JSON.stringify(notification.json);
  const headers = () => {
    if (channel.secret === undefined) return {} as Record<string, string>;
    return { [SIGNATURE_HEADER]: signatureHeader(channel.secret, body, Math.floor(Date.now() / 1000)) };
  };
  const outcome = await postWithRetries(channel.url, body, headers, ctx);
  return { channel: 'webhook', target: channelTarget(channel), ...outcome };
}
