export * from './request-event.ts';
