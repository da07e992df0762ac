/**
 * The base URL each kind of client takes, as the start banner prints them. They differ: the
 * OpenAI SDKs keep `/v1` in the base URL, the Anthropic SDK and Claude Code add it to every
 * path themselves, so one URL for both sends one of them to `/v1/v1/...`.
 */
export function baseUrlLines(root: string): string[] {
  return [
    `  OpenAI SDK:  ${root}/v1   (base URL; also Codex and other OpenAI-compatible clients)`,
    `  Anthropic:   ${root}   (base URL of the Anthropic SDK; Claude Code: ANTHROPIC_BASE_URL, no /v1)`,
  ];
}
