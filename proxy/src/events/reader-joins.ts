import { responseReadings } from '@periscope/contract/api';
import { responseContent } from '../otel/gen-ai-content.ts';
import { hasSplitData, scrubbedSecrets, storedTextHoldsSecret } from './redact.ts';
import { piecesMaySpell } from './streamed-pieces.ts';

/**
 * What a stored stream's body becomes when its readers would still join a secret out of it. The
 * piece redaction (streamed-pieces.ts) groups pieces as the readers do, without parsing; a stream
 * crafted to group otherwise for one reader (docs/security.md lists the ways) is caught here.
 */
export const WITHHELD_STREAM = "[Periscope withheld this streamed response: joined as the request view or the OpenTelemetry exporter joins it, its text spells a secret.]";

/**
 * A secret a reader may print as a number it parsed (`1.2345678e7` as `12345678`: helper-59): its
 * digits are in no text the gate reads, so the readers always run.
 */
const mayBeNumber = (secret: string) => /^[-+.\deE]+$/.test(secret);

/** Deeper than the readers' output nests (tool arguments parsed by the exporter): not walked, withheld. */
const MAX_DEPTH = 64;

function holdsString(value: unknown, holds: (text: string) => boolean, depth: number): boolean {
  if (typeof value === 'string') return holds(value);
  // The exporter parses joined tool arguments: a secret made of digits comes out a number (helper-58).
  if (typeof value === 'number') return holds(String(value));
  if (value === null || typeof value !== 'object') return false;
  if (depth >= MAX_DEPTH) return true;
  if (Array.isArray(value)) return value.some((item) => holdsString(item, holds, depth + 1));
  return Object.entries(value).some(([name, item]) => holds(name) || holdsString(item, holds, depth + 1));
}

/**
 * Whether a reader of the stored body `body` of a call to `endpoint` would show a secret: the
 * UI's request view (every format it may read the body as) or the OpenTelemetry exporter, each
 * run on the body, and every string they give checked as a body of its own. Only when the join
 * gate says a selection of the stream's pieces could spell one: a prose stream costs a scan of
 * its text fields (a few µs), not two parses of every event. Where the pieces found without
 * parsing may not be all a reader joins (a field name written with escapes, an event's data on
 * two lines, a line ended by CR alone), the readers always run.
 */
export function readersJoinSecret(endpoint: string, body: string, exactSecrets: readonly string[]): boolean {
  if (!body.includes('data:')) return false;
  const secrets = scrubbedSecrets(exactSecrets);
  const unscanned = body.includes('\\u') || hasSplitData(body) || secrets.some(mayBeNumber);
  if (!unscanned && !piecesMaySpell(body, secrets)) return false;
  const holds = (text: string) => storedTextHoldsSecret(text, secrets);
  try {
    const readings: unknown[] = [...responseReadings(endpoint, body), responseContent(endpoint, body, true)];
    return readings.some((reading) => holdsString(reading, holds, 0));
  } catch {
    // A reader that throws on this body (nesting deeper than JSON.stringify goes) cannot be shown to
    // show nothing: the body is withheld, not the call's row lost (helper-58).
    return true;
  }
}
