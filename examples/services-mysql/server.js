// GET / writes a row holding a random token to the bound MySQL / MariaDB and
// reads it back. A new connection per request: a restarted server is no problem.
const http = require('node:http');
const { randomUUID } = require('node:crypto');
const cfenv = require('cfenv');
const mysql = require('mysql2/promise');

const ENGINE = 'mysql';
const ALIASES = ['mysql', 'mariadb', 'p.mysql', 'p-mysql'];

async function roundTrip(uri, token) {
  const conn = await mysql.createConnection({ uri, connectTimeout: 5000 });
  try {
    await conn.query('CREATE TABLE IF NOT EXISTS cfpush_sample (id INT AUTO_INCREMENT PRIMARY KEY, token VARCHAR(64) NOT NULL, at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)');
    const [inserted] = await conn.execute('INSERT INTO cfpush_sample (token) VALUES (?)', [token]);
    const [rows] = await conn.execute('SELECT token FROM cfpush_sample WHERE id = ?', [inserted.insertId]);
    return rows[0].token;
  } finally {
    await conn.end();
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
