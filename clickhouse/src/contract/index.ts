export * from './request-event.ts';
export * from './event-codec.ts';
export { RESENT_HEADER } from './kafka-message.ts';
