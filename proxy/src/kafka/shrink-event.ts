import { decodeEventRow, encodeRequestEvent, type RequestEvent } from '@periscope/contract';

/** What each body of an event the broker refused keeps at first, in bytes. */
const SHRUNK_BODY_BYTES = 64 * 1024;

/** In place of a body when clipping was not enough. */
export const BODY_TOO_LARGE_FOR_KAFKA = '[Periscope withheld this body: the event was larger than the Kafka broker accepts (message.max.bytes).]';

/** `body` cut to `max` bytes of UTF-8, as the gateway clips a stored body (a character cut in two becomes U+FFFD). */
function clipped(body: string, max: number): string {
  const bytes = Buffer.from(body);
  return bytes.length > max ? bytes.subarray(0, max).toString('utf8') : body;
}

/**
 * The event of `value` made smaller by one step, for a broker that refused it as larger than its
 * message.max.bytes (1 MiB by default; `max_stored_body_bytes` can make an event larger): its
 * bodies clipped to SHRUNK_BODY_BYTES and flagged truncated, as a body past the stored length
 * is (a streamed response's withheld instead); then, if that was not enough, the bodies
 * withheld with a notice. The call keeps its row
 * (usage, cost, status) instead of being dropped. undefined when there is nothing left to take
 * (or the bytes are not an event): the shipper then drops it, counted.
 *
 * The bodies were redacted before they were stored in the event; clipping one takes text away
 * and adds none, as the gateway's own clip after its redaction does. A stream's readers' check
 * (events/reader-joins.ts) needs the call's secrets, which this process does not have: hence a
 * stream's body is not clipped here.
 */
export function shrunkEventValue(value: Buffer): Buffer | undefined {
  const decoded = decodeEventRow(value);
  if (!decoded.ok) return undefined;
  const event = decoded.event;
  const request = clipped(event.request_body, SHRUNK_BODY_BYTES);
  // A stream's body is withheld at once, never clipped: its readers join its pieces, and without
  // its end they read other events (the Responses API's deltas rather than its last event), which
  // the gateway's readers' check did not see (helper-75). Told by its `data:` lines, not by
  // `streamed`: a provider can send SSE labelled as JSON, which the readers still read (helper-76).
  const long = Buffer.byteLength(event.response_body) > SHRUNK_BODY_BYTES;
  const response = long && (event.streamed || event.response_body.includes('data:')) ? BODY_TOO_LARGE_FOR_KAFKA : clipped(event.response_body, SHRUNK_BODY_BYTES);
  let smaller: RequestEvent;
  // Compared, not measured: a clip that cuts a character adds U+FFFD, and a clipped body is
  // clipped again to itself, so each step changes the event or the next one is taken.
  if (request !== event.request_body || response !== event.response_body) {
    smaller = Object.assign({}, event, {
      request_body: request,
      response_body: response,
      request_truncated: event.request_truncated || request !== event.request_body,
      response_truncated: event.response_truncated || (response !== event.response_body && response !== BODY_TOO_LARGE_FOR_KAFKA),
    });
  } else if ([request, response].some((b) => b !== '' && b !== BODY_TOO_LARGE_FOR_KAFKA)) {
    const withheld = (b: string) => (b === '' ? b : BODY_TOO_LARGE_FOR_KAFKA);
    smaller = Object.assign({}, event, { request_body: withheld(request), response_body: withheld(response) });
  } else {
    return undefined;
  }
  return encodeRequestEvent(smaller);
}
