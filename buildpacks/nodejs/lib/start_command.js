// Prints bin/release YAML for a Node.js app. A plain `node <file>` start
// script is used directly: `npm start` adds ~300 ms and an extra process.
'use strict';
const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
let pkg = {};
try { pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')); } catch { /* detect saw it; treat unreadable as empty */ }
const start = pkg.scripts && typeof pkg.scripts.start === 'string' ? pkg.scripts.start.replace(/[\r\n]/g, ' ').trim() : '';
const exists = (f) => { try { return fs.statSync(path.join(dir, f)).isFile(); } catch { return false; } };

let cmd = '';
if (start) {
  // No shell syntax, no npm lifecycle (prestart) to honour: safe to bypass npm.
  const simple = /^node\s+[\w@%+=:,./-]+(\s+[\w@%+=:,./-]+)*$/.test(start) && !(pkg.scripts.prestart);
  cmd = simple ? start : 'npm start';
} else if (exists('server.js')) cmd = 'node server.js';
else if (exists('index.js')) cmd = 'node index.js';
else if (typeof pkg.main === 'string' && exists(pkg.main)) cmd = `node ${pkg.main}`;

process.stdout.write('---\ndefault_process_types:\n' + (cmd ? `  web: ${JSON.stringify(cmd)}\n` : '  {}\n'));
