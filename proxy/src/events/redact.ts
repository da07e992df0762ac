/**
 * Scrubs secrets before anything is stored. Two layers: the exact credentials this request
 * carried (whatever their shape), and key-shaped strings of the common providers, which
 * catches keys pasted into prompts or echoed by upstream error messages.
 */
const KEY_PATTERNS: readonly RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{16,}/g, // OpenAI (sk-, sk-proj-), Anthropic (sk-ant-), DeepSeek and other sk- keys
  /\bpsk_[A-Za-z0-9_-]{16,}/g, // Periscope gateway keys
  /\bAIza[0-9A-Za-z_-]{30,}/g, // Google API keys
  /\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key ids
  /\bgsk_[A-Za-z0-9]{20,}/g, // Groq
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{20,}/gi, // bearer tokens anywhere in text
];

export const REDACTED = '[REDACTED]';

export function redactSecrets(text: string, exactSecrets: readonly string[] = []): string {
  if (text.length === 0) return text;
  let out = text;
  for (const secret of exactSecrets) {
    if (secret.length >= 8 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  for (const pattern of KEY_PATTERNS) out = out.replace(pattern, REDACTED);
  return out;
}
