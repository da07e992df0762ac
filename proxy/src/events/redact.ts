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

/**
 * Matches wherever any of KEY_PATTERNS could (their literal starts), in one pass. Most text
 * holds no key, and one scan instead of six replace passes is the difference between 30 µs
 * and 7 µs for a call with 3 KB of bodies, and between 7 µs and 0.7 µs for eight short
 * metadata values (measured on the 2-core VM).
 */
const MAY_HOLD_KEY = /sk-|psk_|AIza|AKIA|ASIA|gsk_|[Bb][Ee][Aa][Rr][Ee][Rr]\s|[Bb][Aa][Ss][Ii][Cc]\s/;

export const REDACTED = '[REDACTED]';

/** Exact secrets shorter than this are not scrubbed: they would mangle ordinary text. */
export const MIN_EXACT_SECRET_LENGTH = 8;

export function redactSecrets(text: string, exactSecrets: readonly string[] = []): string {
  if (text.length < MIN_EXACT_SECRET_LENGTH) return text;
  let out = text;
  for (const secret of exactSecrets) {
    if (secret.length >= MIN_EXACT_SECRET_LENGTH && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  if (!MAY_HOLD_KEY.test(out)) return out;
  for (const pattern of KEY_PATTERNS) out = out.replace(pattern, REDACTED);
  return out;
}

/** True when `text` holds one of `exactSecrets` or a key-shaped string. */
export function holdsSecret(text: string, exactSecrets: readonly string[] = []): boolean {
  return redactSecrets(text, exactSecrets) !== text;
}
