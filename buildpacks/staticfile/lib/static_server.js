#!/usr/bin/env node
// A tiny static file server for the staticfile buildpack: serves the app dir
// (or the Staticfile's `root:`) on $PORT. Runs with the droplet's node.
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.json': 'application/json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif',
  '.ico': 'image/x-icon', '.webp': 'image/webp', '.txt': 'text/plain; charset=utf-8', '.wasm': 'application/wasm',
  '.woff': 'font/woff', '.woff2': 'font/woff2', '.xml': 'application/xml', '.pdf': 'application/pdf',
};

function rootDir() {
  let root = '.';
  try {
    const m = /^root:\s*["']?([^"'\r\n]+?)["']?\s*$/m.exec(fs.readFileSync('Staticfile', 'utf8'));
    if (m) root = m[1];
  } catch { /* no Staticfile at runtime: serve cwd */ }
  return path.resolve(root);
}

const root = rootDir();
const server = http.createServer((req, res) => {
  let rel;
  try { rel = decodeURIComponent(new URL(req.url || '/', 'http://x').pathname); } catch { rel = '/'; }
  let file = path.join(root, path.normalize(rel));
  // Never serve outside the root, nor the buildpack's own config.
  if (!file.startsWith(root) || path.basename(file) === 'Staticfile') return send(res, 404, 'Not Found');
  fs.stat(file, (err, st) => {
    if (!err && st.isDirectory()) { file = path.join(file, 'index.html'); st = undefined; }
    const stream = fs.createReadStream(file);
    stream.on('error', () => send(res, 404, 'Not Found'));
    stream.on('open', () => {
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream' });
      if (req.method === 'HEAD') { stream.destroy(); res.end(); } else stream.pipe(res);
    });
  });
});
function send(res, code, text) { res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' }); res.end(text + '\n'); }
const port = Number(process.env.PORT || 8080);
server.listen(port, () => console.log(`Serving ${root} on port ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
