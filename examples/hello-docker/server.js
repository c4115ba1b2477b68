// hello-docker answers every request with "hello CF summit" on $PORT.
'use strict';
const http = require('http');

const port = Number(process.env.PORT || 8080);
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('hello CF summit');
});
server.listen(port, () => console.log(`hello-docker listening on port ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
