import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { ExportFormat } from '@periscope/clickhouse';

/** What a delivered link may download: one report, one format, these parameter values, until `expires`. */
export interface LinkGrant {
  reportId: string;
  format: ExportFormat;
  params: Record<string, string>;
  /** Epoch ms. */
  expires: number;
}

/**
 * Signed download links for scheduled deliveries: the recipient of a report email or Slack
 * message may not have an account. The HMAC key is derived from the server secret for this
 * purpose alone, and covers everything the link can change.
 */
export class ReportLinks {
  readonly #key: Buffer;

  constructor(serverSecret: Buffer) {
    this.#key = Buffer.from(hkdfSync('sha256', serverSecret, 'periscope', 'report links v1', 32));
  }

  url(base: string, g: LinkGrant): string {
    const fields: [string, string][] = [['format', g.format], ['expires', String(g.expires)]];
    for (const [name, value] of Object.entries(g.params).sort(([a], [b]) => a.localeCompare(b))) fields.push([`param.${name}`, value]);
    fields.push(['signature', this.#sign(g)]);
    // %20, not URLSearchParams' "+": the API's query parser reads "+" as itself.
    const query = fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    return `${base.replace(/\/+$/, '')}/api/reports/${encodeURIComponent(g.reportId)}/download?${query}`;
  }

  /** True when the signature matches and the link has not expired. */
  verify(g: LinkGrant, signature: string, now = Date.now()): boolean {
    const expected = Buffer.from(this.#sign(g));
    const given = Buffer.from(signature);
    return g.expires > now && given.length === expected.length && timingSafeEqual(given, expected);
  }

  #sign(g: LinkGrant): string {
    const params = Object.entries(g.params).sort(([a], [b]) => a.localeCompare(b));
    return createHmac('sha256', this.#key).update(JSON.stringify([g.reportId, g.format, g.expires, params])).digest('base64url');
  }
}
