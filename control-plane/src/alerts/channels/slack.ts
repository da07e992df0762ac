import type { Delivery, Notification, SlackChannel } from '@periscope/contract';
import type { ChannelContext } from './channel-context.ts';
import { channelTarget } from './channel-secrets.ts';
import { postWithRetries } from './http-delivery.ts';

/** Slack's incoming-webhook body: the title in bold, the text, and the link as `<url|label>`. */
export function slackBody(notification: Notification): { text: string } {
  const lines = [`*${escapeSlack(notification.title)}*`, escapeSlack(notification.text)];
  if (notification.link) lines.push(`<${notification.link}|Open in Periscope>`);
  return { text: lines.join('\n') };
}

export async function sendSlack(channel: SlackChannel, notification: Notification, ctx: ChannelContext): Promise<Delivery> {
  const outcome = await postWithRetries(channel.url, JSON.stringify(slackBody(notification)), () => ({}), ctx);
  return { channel: 'slack', target: channelTarget(channel), ...outcome };
}

/** Slack reads &, < and > as markup; everything else is literal. */
const escapeSlack = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
