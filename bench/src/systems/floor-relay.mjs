// The platform floor: the smallest relay on Periscope's own stack (Fastify 5 and undici), with
// nothing else: no keys, routing, limits, events or metrics. What it costs per call is what any
// gateway on this stack pays before doing anything; the bench shows it beside Periscope so the
// gap between the two is Periscope's own work. Plain JavaScript: nothing to compile at start.
import Fastify from 'fastify';
import { Agent, request } from 'undici';
import process from 'node:process';

const [upstream, port] = [process.argv[2], Number(process.argv[3])];
const dispatcher = new Agent({ keepAliveTimeout: 30_000 });
const app = Fastify({ logger: false, bodyLimit: 32 * 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

app.get('/healthz', async () => ({ ok: true }));
app.post('/v1/*', async (req, reply) => {
  const res = await request(`${upstream}${req.url.slice(3)}`, {
    method: 'POST', dispatcher, body: req.body,
    headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
  });
  reply.code(res.statusCode).header('content-type', res.headers['content-type'] ?? 'application/json');
  return reply.send(res.body);
});
await app.listen({ port, host: '127.0.0.1', backlog: 4096 });
// A clean exit on SIGTERM, so that `--cpu-prof` can write the floor's profile.
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
