import type { Channel, Delivery, Notification } from '@periscope/contract';
import type { ChannelContext } from './channel-context.ts';
import { channelTarget, hasSealedSecret } from './channel-secrets.ts';
import { sendEmail } from './email.ts';
import { sendSlack } from './slack.ts';
import { sendWebhook } from './webhook.ts';

export { channelContext, channelContextFromConfig, type ChannelContext, type ChannelContextOptions } from './channel-context.ts';
export { parseChannel, parseChannels, MAX_CHANNELS } from './channel-input.ts';
export { channelTarget, MASK, maskChannel, SecretBox } from './channel-secrets.ts';
export { SIGNATURE_HEADER, signatureHeader, verifySignature } from './signature.ts';

/**
 * Delivers one notification on one channel (with the channel's secrets in clear: see
 * SecretBox.open). Never throws: the outcome, failures included, is the Delivery, so a
 * caller sending to several channels records each one.
 */
export async function sendNotification(channel: Channel, notification: Notification, ctx: ChannelContext): Promise<Delivery> {
  if (hasSealedSecret(channel)) {
    const error = 'a secret of this channel cannot be decrypted: the server secret (PERISCOPE_SECRET or <data-dir>/secret) changed since it was stored';
    return { channel: channel.type, target: channelTarget(channel), ok: false, attempts: 0, error };
  }
  try {
    if (channel.type === 'webhook') return await sendWebhook(channel, notification, ctx);
    if (channel.type === 'slack') return await sendSlack(channel, notification, ctx);
    return await sendEmail(channel, notification, ctx);
  } catch (err) {
    return { channel: channel.type, target: channelTarget(channel), ok: false, attempts: 1, error: (err as Error).message };
  }
}
