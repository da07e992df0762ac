// The event contract: what the gateway writes and the store reads.
export * from './events/request-event.ts';
export * from './events/event-codec.ts';
export { RESENT_HEADER } from './events/kafka-message.ts';
// Bytes to text, fast for long text: the gateway's request bodies, the consumers' events.
export { utf8Text } from './utf8-text.ts';
// A spread copy with more fields, built so that V8 does not promote it (see the file).
export { copyWith } from './copy-with.ts';
// The config file's schema, one file per owning package, composed in schema.ts.
export * from './config/schema.ts';
export * from './config/json-paths.ts';
export * from './config/spool-policy.ts';
// Gateway keys: their format and hash, shared by the gateway (verifies) and the control plane (issues).
export * from './gateway-keys.ts';
// The HTTP API's alert rule and notification channel types and the vocabularies the UI renders.
export * from './api/index.ts';
