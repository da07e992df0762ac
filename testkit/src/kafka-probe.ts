import { connect } from 'node:net';

const METADATA_API_KEY = 3;
// Metadata v1: served by every broker since Kafka 0.10 (4.x included), asks for all topics with a
// null array, and has no tagged fields, so a dozen bytes are enough to write and to read.
const METADATA_VERSION = 1;

function metadataRequest(): Buffer {
  const clientId = Buffer.from('periscope-probe');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4);
  let offset = body.writeInt16BE(METADATA_API_KEY, 0);
  offset = body.writeInt16BE(METADATA_VERSION, offset);
  offset = body.writeInt32BE(1, offset); // correlation id
  offset = body.writeInt16BE(clientId.length, offset);
  offset += clientId.copy(body, offset);
  body.writeInt32BE(-1, offset); // topics: null, i.e. all
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/**
 * Whether the broker at host:port answers a Metadata request listing at least one live broker.
 * An open port is not enough: a starting broker binds its listener before it serves requests,
 * and lists itself only once the controller has unfenced it.
 */
export function kafkaAnswers(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    const settle = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => settle(false));
    socket.on('error', () => settle(false));
    socket.on('close', () => settle(false));
    socket.on('connect', () => socket.write(metadataRequest()));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      // size (4), correlation id (4), then the broker array's length (4).
      if (received.length >= 12) settle(received.readInt32BE(8) > 0);
    });
  });
}
