/**
 * The mock upstream in its own process, so that neither the load generator nor the gateway
 * competes with it for one event loop. Streams carry STREAM_CHUNKS content pieces, one every
 * FRAME_INTERVAL_MS (set on the mock itself: peers need not forward a scenario header).
 */
import { startMockUpstream } from '@periscope/testkit';
import { FRAME_INTERVAL_MS, serveParent, STREAM_CHUNKS } from './child-protocol.ts';

try {
  const mock = await startMockUpstream({ record: false, requireAuth: false, chunkCount: STREAM_CHUNKS, chunkIntervalMs: FRAME_INTERVAL_MS });
  serveParent({ url: mock.url });
} catch (err) {
  process.send?.({ type: 'failed', error: String(err) });
  process.exit(1);
}
