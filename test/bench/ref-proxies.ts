// Reference proxies for the router benchmark: nginx and HAProxy, when
// installed (`apt-get install -y nginx-light haproxy`), run in front of the same
// app instance in the same run. They show what a mature C proxy reaches on
// this machine, so the router's ratio can be read against the machine's
// ceiling, not only against the goal. Each runs one worker / thread, like the
// router's one event loop, with keep-alive to the backend.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../helpers/cli';
import { tempDir } from '../foundation/helpers';

export interface RefProxy {
  name: string;
  url: string;
  /** The process that does the proxying (its CPU time is measured). */
  pid: number;
  stop(): void;
}

const has = (bin: string, arg: string) => spawnSync(bin, [arg], { stdio: 'ignore' }).error === undefined;

async function waitListening(url: string, child: ChildProcess, name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    try {
      await fetch(url, { headers: { connection: 'close' } });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`${name} did not listen on ${url}`);
}

async function nginx(backendPort: number): Promise<RefProxy> {
  const dir = tempDir('cfpush-bench-nginx-');
  const port = await freePort();
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d), { mode: 0o777 });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream app { server 127.0.0.1:${backendPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Vcap-Request-Id $request_id;
    }
  }
}
`,
  );
  // master_process off: one process that both accepts and proxies, measured by its pid.
  const child = spawn('nginx', ['-c', conf, '-p', dir], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/`;
  await waitListening(url, child, 'nginx');
  return { name: 'nginx', url, pid: child.pid!, stop: () => child.kill('SIGKILL') };
}

async function haproxy(backendPort: number): Promise<RefProxy> {
  const dir = tempDir('cfpush-bench-haproxy-');
  const port = await freePort();
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    `global
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
  option forwardfor
frontend f
  bind 127.0.0.1:${port}
  http-request set-header X-Forwarded-Proto http
  http-request set-header X-Vcap-Request-Id %[uuid]
  default_backend b
backend b
  http-reuse always
  server s1 127.0.0.1:${backendPort}
`,
  );
  const child = spawn('haproxy', ['-db', '-f', cfg], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/`;
  await waitListening(url, child, 'haproxy');
  return { name: 'haproxy', url, pid: child.pid!, stop: () => child.kill('SIGKILL') };
}

/** The reference proxies installed on this machine, started in front of `backendPort`. */
export async function startRefProxies(backendPort: number): Promise<RefProxy[]> {
  if (process.env.BENCH_REFERENCE === '0') return [];
  const out: RefProxy[] = [];
  if (has('nginx', '-v')) out.push(await nginx(backendPort));
  if (has('haproxy', '-v')) out.push(await haproxy(backendPort));
  return out;
}
