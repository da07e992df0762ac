export { startMockUpstream } from './mock-upstream.ts';
export type { MockUpstream, MockUpstreamOptions, RecordedRequest } from './mock-upstream.ts';
export { SCENARIO_HEADER } from './scenarios.ts';
export { countTokens, promptTextOf } from './tokens.ts';
export { DEFAULT_CHUNK_COUNT, mockReplyText } from './generate.ts';
export { REASONING_TOKENS, servedModelFor } from './models.ts';
export { startKafkaBroker } from './kafka-broker.ts';
export type { KafkaBroker, KafkaBrokerOptions } from './kafka-broker.ts';
export { kafkaBrokers } from './vitest-kafka-setup.ts';
