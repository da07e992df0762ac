export * from './request-event.ts';
export * from './event-codec.ts';
