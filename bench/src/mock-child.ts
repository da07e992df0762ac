/**
 * The mock upstream in its own process, so that neither the load generator nor the gateway
 * competes with it for one event loop. Streams carry STREAM_CHUNKS content pieces; streamed
 * calls ask for their frame interval with the mock's `slow-stream-MS` scenario header.
 */
import { startMockUpstream } from '@periscope/testkit';
import { serveParent, STREAM_CHUNKS } from './child-protocol.ts';

try {
  const mock = await startMockUpstream({ record: false, requireAuth: false, chunkCount: STREAM_CHUNKS });
  serveParent({ url: mock.url });
} catch (err) {
  process.send?.({ type: 'failed', error: String(err) });
  process.exit(1);
}
