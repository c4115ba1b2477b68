// GET / publishes a message holding a random token to a private queue on the
// bound RabbitMQ and reads it back. A new connection per request: a restarted
// server is no problem.
const http = require('node:http');
const { randomUUID } = require('node:crypto');
const cfenv = require('cfenv');
const amqp = require('amqplib');

const ENGINE = 'rabbitmq';
const ALIASES = ['rabbitmq', 'amqp', 'p-rabbitmq', 'p.rabbitmq'];

async function roundTrip(uri, token) {
  const conn = await amqp.connect(uri, { timeout: 5000 });
  conn.on('error', () => {}); // the awaited calls below reject with it
  try {
    const ch = await conn.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true }); // server-named, gone with the connection
    ch.sendToQueue(queue, Buffer.from(token));
    for (let i = 0; i < 50; i++) {
      const msg = await ch.get(queue, { noAck: true });
      if (msg) return msg.content.toString();
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the message did not arrive within 5 s');
  } finally {
    await conn.close().catch(() => {});
  }
}

// The bound service for this engine: the first whose label or tags name it
// (any broker, any instance name), else the one named by $SERVICE_NAME.
function findService() {
  const services = Object.values(cfenv.getAppEnv().getServices());
  const matches = (s) => ALIASES.includes(s.label) || (s.tags || []).some((t) => ALIASES.includes(String(t).toLowerCase()));
  const found = services.find(matches) || services.find((s) => s.name === process.env.SERVICE_NAME);
  if (!found) {
    const seen = services.map((s) => `${s.name} (${s.label})`).join(', ') || 'none';
    throw new Error(`no ${ENGINE} service is bound (bound services: ${seen}); bind one and restart, or set SERVICE_NAME`);
  }
  const uri = found.credentials && (found.credentials.uri || found.credentials.url);
  if (!uri) throw new Error(`service ${found.name} has no credentials.uri`);
  return { name: found.name, uri };
}

http
  .createServer(async (req, res) => {
    if (req.url !== '/') {
      res.writeHead(404).end();
      return;
    }
    let status = 200;
    let body;
    try {
      const svc = findService();
      const token = randomUUID();
      const read = await roundTrip(svc.uri, token);
      body = { engine: ENGINE, service: svc.name, wrote: token, read, ok: token === read };
    } catch (err) {
      status = 500;
      body = { engine: ENGINE, ok: false, error: err.message };
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body) + '\n');
  })
  .listen(process.env.PORT || 8080, () => console.log(`services-${ENGINE} listening on ${process.env.PORT || 8080}`));
