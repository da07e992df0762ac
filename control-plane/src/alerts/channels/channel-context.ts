import { createGuardedAgent, parseCidr, type Cidr } from '@periscope/proxy';
import { type AlertsConfig } from '@periscope/contract';
import type { SmtpSettings } from '@periscope/contract';

/** Every address, for `alerts.allow_private_targets: true`. */
const ANYWHERE: readonly Cidr[] = [parseCidr('0.0.0.0/0'), parseCidr('::/0')];

/** How channels deliver: which addresses they may reach, retries, timeouts, the default SMTP server. */
export interface ChannelContext {
  allowPrivateTargets: boolean;
  /** Networks a target may be in although private (all of them with allowPrivateTargets). */
  allowedNetworks: readonly Cidr[];
  /** Every connection of webhook and Slack deliveries resolves through the address guard. */
  dispatcher: ReturnType<typeof createGuardedAgent>;
  /** `alerts.smtp`: for email channels that name no server. */
  smtp: SmtpSettings | undefined;
  /** Tries per delivery, the first included. */
  attempts: number;
  /** Wait before the first retry; doubled for each next one, with jitter. */
  baseDelayMs: number;
  /** Per attempt, connection to end of response. */
  timeoutMs: number;
}

export interface ChannelContextOptions {
  allowPrivateTargets: boolean;
  smtp?: SmtpSettings;
  attempts?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
}

const agents = new Map<boolean, ChannelContext['dispatcher']>();

/** Contexts are cheap: the guarded connection pool is shared per address policy. */
export function channelContext(o: ChannelContextOptions): ChannelContext {
  const allowedNetworks = o.allowPrivateTargets ? ANYWHERE : [];
  let dispatcher = agents.get(o.allowPrivateTargets);
  if (!dispatcher) {
    dispatcher = createGuardedAgent(allowedNetworks, 10_000);
    agents.set(o.allowPrivateTargets, dispatcher);
  }
  return {
    allowPrivateTargets: o.allowPrivateTargets, allowedNetworks, dispatcher, smtp: o.smtp,
    attempts: o.attempts ?? 3, baseDelayMs: o.baseDelayMs ?? 1000, timeoutMs: o.timeoutMs ?? 10_000,
  };
}

/** The context the config's `alerts:` section gives (private targets, the default SMTP server); tests shorten the retries. */
export function channelContextFromConfig(alerts: AlertsConfig, overrides: Omit<ChannelContextOptions, 'allowPrivateTargets' | 'smtp'> = {}): ChannelContext {
  const smtp = alerts.smtp && { ...alerts.smtp, port: alerts.smtp.port ?? (alerts.smtp.secure ? 465 : 587) };
  return channelContext({ ...overrides, allowPrivateTargets: alerts.allow_private_targets, smtp });
}
