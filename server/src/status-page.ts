/** Served at `/` when the web UI is not built (or by the proxy role, which has no UI): says what runs and where to look. */
export const STATUS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Periscope</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>Periscope is running</h1>
<p>The gateway answers at <code>/v1/...</code> (OpenAI and Anthropic) and <code>/&lt;provider&gt;/...</code>.</p>
<p>Logged requests: <code>GET /api/requests</code> with <code>Authorization: Bearer &lt;admin token&gt;</code>.
Health: <a href="/healthz">/healthz</a>. Metrics: <a href="/metrics">/metrics</a>.</p>
<p>The web UI is not built in this checkout: run <code>pnpm --filter @periscope/ui build</code> and reload.</p>
</body></html>`;
