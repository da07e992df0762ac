/**
 * Where a notification goes. Alert rules and scheduled reports both carry a list of these
 * and hand each one to sendNotification().
 */
export interface WebhookChannel {
  type: 'webhook';
  url: string;
  /** Signs each body (`Periscope-Signature`); without it the body goes unsigned. */
  secret?: string;
}

/** A Slack incoming webhook (or anything that takes Slack's `{ "text": ... }`, e.g. Mattermost). */
export interface SlackChannel {
  type: 'slack';
  /** The webhook URL is itself the credential. */
  url: string;
}

export interface EmailChannel {
  type: 'email';
  to: string[];
  /** Default: `alerts.smtp` of the config. */
  smtp?: SmtpSettings;
}

export type Channel = WebhookChannel | SlackChannel | EmailChannel;
export const CHANNEL_TYPES = ['webhook', 'slack', 'email'] as const satisfies ReadonlyArray<Channel['type']>;

export const STARTTLS_MODES = ['required', 'opportunistic', 'never'] as const;

export interface SmtpSettings {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (port 465); otherwise STARTTLS as `starttls` says. */
  secure: boolean;
  starttls: (typeof STARTTLS_MODES)[number];
  user?: string;
  password?: string;
  from: string;
  /** Verify the server's certificate (default true); a private CA goes in `ca`. */
  reject_unauthorized: boolean;
  /** PEM of a CA to trust beyond the system's. */
  ca?: string;
}

/** What to say, in every channel's terms. */
export interface Notification {
  /** One line: an email subject, Slack's first line. */
  title: string;
  /** Readable body (plain text; Slack mrkdwn-safe). */
  text: string;
  /** Where to look: added to Slack and email. */
  link?: string;
  /** The webhook body, sent as JSON and signed. */
  json: Record<string, unknown>;
  /** Email only (a report's CSV, ...). */
  attachments?: Array<{ filename: string; content: string | Buffer; contentType: string }>;
}

/** One channel's outcome, recorded in history; names the target without its secret. */
export interface Delivery {
  channel: Channel['type'];
  target: string;
  ok: boolean;
  attempts: number;
  /** HTTP status of the last attempt, when there was a response. */
  status?: number;
  error?: string;
}
