export { startMockUpstream } from './mock-upstream.ts';
export type { MockUpstream, MockUpstreamOptions, RecordedRequest } from './mock-upstream.ts';
export { countTokens, promptTextOf } from './tokens.ts';
export { mockReplyText } from './generate.ts';
export { startKafkaBroker } from './kafka-broker.ts';
export type { KafkaBroker, KafkaBrokerOptions } from './kafka-broker.ts';
export { kafkaBrokers } from './vitest-kafka-setup.ts';
