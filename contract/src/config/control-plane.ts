/** The control plane's sections of the config: alert notifications and SQL reports. */
import { z } from 'zod';

/** Alert notifications (read by the ingest; a reload applies to the next delivery). */
export const alertsSchema = z.strictObject({
  /** Let webhook, Slack and SMTP targets be loopback, private or link-local addresses (refused by default). */
  allow_private_targets: z.boolean().default(false),
  /** The UI's address as users reach it, for links in notifications; default: the address the server listens on. */
  public_url: z.url({ protocol: /^https?$/ }).optional(),
  /** The SMTP server of email channels that name none. */
  smtp: z.strictObject({
    host: z.string().min(1),
    /** Default 465 with `secure`, else 587. */
    port: z.number().int().min(1).max(65535).optional(),
    /** Implicit TLS from the first byte (port 465); otherwise STARTTLS as `starttls` says. */
    secure: z.boolean().default(false),
    starttls: z.enum(['required', 'opportunistic', 'never']).default('opportunistic'),
    user: z.string().optional(),
    password: z.string().optional(),
    from: z.string().min(3),
    /** Verify the server's certificate; trust a private CA with `ca` (PEM) rather than turning this off. */
    reject_unauthorized: z.boolean().default(true),
    ca: z.string().optional(),
  }).optional(),
});

/** SQL reports: limits of users' queries (each enforced by the engine per query) and of exports. */
export const reportsSchema = z.strictObject({
  /** Rows the SQL console shows at most; a result with more is cut and flagged. */
  max_result_rows: z.number().int().positive().default(10_000),
  /** Rows an export (download, scheduled delivery, `periscope report run`) carries at most. */
  export_max_rows: z.number().int().positive().default(1_000_000),
  /** Longest a console query may run in the engine. */
  max_execution_seconds: z.number().positive().default(5),
  /** Longest an export's query may run in the engine (the download itself may take longer). */
  export_max_execution_seconds: z.number().positive().default(120),
  /** Bytes one export may hold (its file on disk); a bigger one stops with an error. */
  export_max_bytes: z.number().int().positive().default(1024 * 1024 * 1024),
  /** Exports one user or token may run at once (downloads included). */
  exports_per_user: z.number().int().positive().default(2),
  /** An export is refused, or stopped, rather than leave less free disk space than this for the store. */
  export_min_free_disk_bytes: z.number().int().nonnegative().default(1024 * 1024 * 1024),
  max_memory_bytes: z.number().int().positive().default(1024 * 1024 * 1024),
  max_rows_to_read: z.number().int().positive().default(1_000_000_000),
  /** Queries (console, exports, report runs) one user or token may start per minute. */
  queries_per_minute: z.number().int().positive().default(60),
  /** A scheduled report larger than this is delivered as a signed link instead of an attachment. */
  max_attachment_bytes: z.number().int().positive().default(10 * 1024 * 1024),
  /** How long a delivered link to a report export stays valid. */
  link_ttl_hours: z.number().int().positive().default(168),
}).prefault({});

