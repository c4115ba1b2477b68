// The debugger clients of the debug tests and benchmark (issue 20), each
// speaking its runtime's protocol to the agent an instance runs under: the
// Node inspector's Chrome DevTools Protocol (over `ws`), a Debug Adapter
// Protocol client over TCP (debugpy, delve), jdb on a JDWP agent, and the
// JDWP handshake itself (what any Java debugger sends first).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { http, until } from '../foundation/helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// The Node inspector (CDP).

/** A CDP client on the inspector at host:port (the first target). */
export async function inspector(host: string, port: number) {
  const list = JSON.parse((await http(`http://${host}:${port}/json/list`)).text) as { webSocketDebuggerUrl: string }[];
  const ws = new WebSocket(list[0]!.webSocketDebuggerUrl);
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  let id = 0;
  const pending = new Map<number, (v: any) => void>();
  const events: { method: string; params: any }[] = [];
  const waiters: { method: string; resolve: (p: any) => void }[] = [];
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw));
    if (process.env.CDP_TRACE) console.error('CDP <', String(raw).slice(0, 300));
    if (m.id !== undefined) pending.get(m.id)?.(m.error ? Promise.reject(new Error(m.error.message)) : m.result);
    else {
      const w = waiters.findIndex((x) => x.method === m.method);
      if (w >= 0) waiters.splice(w, 1)[0]!.resolve(m.params);
      else events.push(m);
    }
  });
  return {
    send: (method: string, params: object = {}) =>
      new Promise<any>((resolve) => {
        pending.set(++id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
        if (process.env.CDP_TRACE) console.error('CDP >', method);
      }),
    next: (method: string) => {
      const i = events.findIndex((e) => e.method === method);
      if (i >= 0) return Promise.resolve(events.splice(i, 1)[0]!.params);
      return new Promise<any>((resolve) => waiters.push({ method, resolve }));
    },
    close: () => ws.close(),
  };
}

// ---------------------------------------------------------------------------
// A Debug Adapter Protocol client over TCP (Content-Length framing), enough for debugpy and delve.

export class Dap {
  private seq = 0;
  private buf = Buffer.alloc(0);
  private readonly pending = new Map<number, { resolve: (body: any) => void; reject: (err: Error) => void }>();
  private readonly events: { event: string; body: any }[] = [];
  private readonly waiters: { event: string; resolve: (body: any) => void }[] = [];

  private constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => this.read(d));
    sock.on('error', () => {});
  }

  static async connect(host: string, port: number): Promise<Dap> {
    const sock = connect(port, host);
    await new Promise((resolve, reject) => sock.once('connect', resolve).once('error', reject));
    return new Dap(sock);
  }

  private read(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/Content-Length:\s*(\d+)/i.exec(this.buf.subarray(0, end).toString('latin1'))?.[1]);
      if (this.buf.length < end + 4 + len) return;
      const msg = JSON.parse(this.buf.subarray(end + 4, end + 4 + len).toString('utf8'));
      this.buf = this.buf.subarray(end + 4 + len);
      this.dispatch(msg);
    }
  }

  private dispatch(m: any): void {
    if (process.env.DAP_TRACE) console.error('DAP <', JSON.stringify(m).slice(0, 500));
    if (m.type === 'response') {
      const p = this.pending.get(m.request_seq);
      this.pending.delete(m.request_seq);
      if (m.success) p?.resolve(m.body ?? {});
      else p?.reject(new Error(`${m.command}: ${m.message ?? 'failed'} ${JSON.stringify(m.body ?? {})}`));
    } else if (m.type === 'event') {
      const w = this.waiters.findIndex((x) => x.event === m.event);
      if (w >= 0) this.waiters.splice(w, 1)[0]!.resolve(m.body ?? {});
      else this.events.push({ event: m.event, body: m.body ?? {} });
    } else if (m.type === 'request') {
      // A reverse request (runInTerminal, startDebugging): none is needed here.
      this.write({ type: 'response', request_seq: m.seq, command: m.command, success: false, message: 'not supported by this client' });
    }
  }

  private write(m: object): void {
    const json = JSON.stringify({ seq: ++this.seq, ...m });
    if (process.env.DAP_TRACE) console.error('DAP >', json.slice(0, 500));
    this.sock.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
  }

  request(command: string, args: object = {}): Promise<any> {
    return new Promise((resolve, reject) => {
      this.pending.set(this.seq + 1, { resolve, reject });
      this.write({ type: 'request', command, arguments: args });
    });
  }

  /** The next `event` (one already received first). */
  event(event: string, timeoutMs = 60_000): Promise<any> {
    const i = this.events.findIndex((e) => e.event === event);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0]!.body);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${event} event in ${timeoutMs} ms (had: ${this.events.map((e) => e.event).join(', ')})`)), timeoutMs);
      this.waiters.push({
        event,
        resolve: (b) => {
          clearTimeout(timer);
          resolve(b);
        },
      });
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

// ---------------------------------------------------------------------------
// jdb on a JDWP agent, over its stdin and stdout.

export class Jdb {
  private out = '';
  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d: Buffer) => {
      this.out += d.toString('utf8');
      if (process.env.JDB_TRACE) process.stderr.write(`jdb < ${d.toString('utf8')}`);
    });
    child.stderr.on('data', (d: Buffer) => (this.out += d.toString('utf8')));
  }

  static async attach(host: string, port: number): Promise<Jdb> {
    const jdb = new Jdb(spawn('jdb', ['-attach', `${host}:${port}`], { stdio: 'pipe' }));
    await jdb.expect(/Initializing jdb/, 30_000);
    return jdb;
  }

  /** Sends a command; resolves to the first match of `re` in what jdb prints after it. */
  async send(line: string, re: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    const from = this.out.length;
    if (process.env.JDB_TRACE) process.stderr.write(`jdb > ${line}\n`);
    this.child.stdin.write(`${line}\n`);
    return this.expect(re, timeoutMs, from);
  }

  expect(re: RegExp, timeoutMs: number, from = 0): Promise<RegExpExecArray> {
    return until(async () => re.exec(this.out.slice(from)) ?? undefined, timeoutMs, `jdb to print ${re}: ${this.out.slice(from).slice(-500)}`, 50);
  }

  /** A mark to `expect` from. */
  get mark(): number {
    return this.out.length;
  }

  async quit(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin.end('quit\n');
    await Promise.race([exited, sleep(5000)]);
    this.child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------
// JDWP on the wire: what every Java debugger (jdb, VS Code's java-debug) does first.

/**
 * Attaches to a JDWP agent as a debugger does and detaches again: the
 * JDWP-Handshake both ways, then VirtualMachine.IDSizes and .Version
 * answered, then VirtualMachine.Dispose (the JVM runs on, and accepts the
 * next debugger). Resolves to the VM's description from Version.
 */
export async function jdwpAttach(host: string, port: number, timeoutMs = 30_000): Promise<string> {
  const sock = connect(port, host);
  let buf = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  let failed: Error | undefined;
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    wake?.();
  });
  sock.on('error', (err) => {
    failed = err;
    wake?.();
  });
  sock.on('close', () => {
    failed ??= new Error(`the JDWP agent on ${host}:${port} closed the connection`);
    wake?.();
  });
  const deadline = Date.now() + timeoutMs;
  const take = async (n: number): Promise<Buffer> => {
    while (buf.length < n) {
      if (failed) throw failed;
      if (Date.now() > deadline) throw new Error(`no answer from the JDWP agent on ${host}:${port} in ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 100);
      });
    }
    const out = buf.subarray(0, n);
    buf = buf.subarray(n);
    return out;
  };
  let id = 0;
  /** Sends command `set`.`cmd` (no data); resolves to its reply's data. */
  const command = async (set: number, cmd: number): Promise<Buffer> => {
    const head = Buffer.alloc(11);
    head.writeUInt32BE(11, 0);
    head.writeUInt32BE(++id, 4);
    head.writeUInt8(set, 9);
    head.writeUInt8(cmd, 10);
    sock.write(head);
    const reply = await take(11);
    const [len, replyId, flags, error] = [reply.readUInt32BE(0), reply.readUInt32BE(4), reply.readUInt8(8), reply.readUInt16BE(9)];
    const data = await take(len - 11);
    if (replyId !== id || flags !== 0x80) throw new Error(`JDWP: expected the reply to command ${id}, got packet ${replyId} (flags ${flags})`);
    if (error) throw new Error(`JDWP: command ${set}.${cmd} failed with error ${error}`);
    return data;
  };
  try {
    await new Promise((resolve, reject) => sock.once('connect', resolve).once('error', reject));
    sock.write('JDWP-Handshake');
    const hello = (await take(14)).toString('latin1');
    if (hello !== 'JDWP-Handshake') throw new Error(`not a JDWP agent on ${host}:${port}: it answered ${JSON.stringify(hello)}`);
    await command(1, 7);
    const version = await command(1, 1);
    await command(1, 6);
    return version.subarray(4, 4 + version.readUInt32BE(0)).toString('utf8');
  } finally {
    sock.destroy();
  }
}
