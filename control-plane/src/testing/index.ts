export { startWebhookReceiver, type ReceivedHook, type WebhookReceiver } from './webhook-receiver.ts';
