import recorded from '../fixtures/agent-headers.json' with { type: 'json' };

/**
 * What the real coding agents send, recorded from their CLIs against the mock upstream: tests
 * of the gateway's agent handling run against these exact headers, and the CLI conformance
 * tests (server/src/system/gateway-agents.int.test.ts) check the CLIs still send them.
 */
export const AGENT_HEADERS = recorded;
