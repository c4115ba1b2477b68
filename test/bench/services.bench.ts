// Backing services on the local foundation (issue 19): for each built-in
// offering, create-service → bound → reachable, for the first instance of
// its kind (its server initialised and started) and a later one (the server
// already up): POST /v3/service_instances, its job to COMPLETE (polled every
// 20 ms, not cf's 3 s), a binding to an app and its job, then the binding's
// credentials write a value and read it back with the engine's own client.
// Then the foundation's idle memory without service servers beside the
// memory of the foundation plus the four servers' process trees.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { push } from '../../src/core/push';
import type { Session } from '../../src/core/session';
import type { Credentials, EngineKind } from '../../src/foundation/builtin-broker/engines/engine';
import { CLIENTS } from '../helpers/service-clients';
import { memoryMb, withLocalFoundation } from './fixture';
import { bodyApp, machine, quiet, saveResult } from './router-lib';

const KINDS: EngineKind[] = ['redis', 'postgresql', 'mysql', 'rabbitmq'];

async function untilJobDone(s: Session, location: string | undefined): Promise<void> {
  if (!location) throw new Error('no job Location');
  for (;;) {
    const job = (await s.cc.send('GET', location)).json as { state: string; errors: { detail: string }[] };
    if (job.state === 'COMPLETE') return;
    if (job.state === 'FAILED') throw new Error(job.errors[0]?.detail ?? 'job failed');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** RSS of `pid` and every descendant, in MB (a postgres server is a tree of processes). */
function treeRssMb(pid: number): number {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const st = readFileSync(`/proc/${name}/stat`, 'latin1');
      parent.set(Number(name), Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [p, pp] of parent) if (pp === tree[i]) tree.push(p);
  return tree.reduce((sum, p) => {
    try {
      return sum + memoryMb(p).rssMb;
    } catch {
      return sum;
    }
  }, 0);
}

const listenerPid = (port: number) => Number(/pid=(\d+)/.exec(execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' }))?.[1]);

async function main() {
  await withLocalFoundation(async ({ s, daemonPid }) => {
    await new Promise((r) => setTimeout(r, 2000));
    const bare = memoryMb(daemonPid).rssMb;
    const [app] = await push(s, { dir: bodyApp('svc-bench', 'svc-bench'), appName: 'svc-bench' }, quiet);
    const appGuid = app!.guid;
    const rows: { kind: EngineKind; firstMs: number; laterMs: number }[] = [];
    const ports: Partial<Record<EngineKind, number>> = {};
    for (const kind of KINDS) {
      const plans = (await s.cc.send('GET', `/v3/service_plans?service_offering_names=${kind}`)).json.resources;
      if (!plans[0]?.maintenance_info?.version) throw new Error(`${kind} is not installed here: ${plans[0]?.description}`);
      const times: number[] = [];
      for (const n of ['first', 'later']) {
        const t0 = performance.now();
        const si = await s.cc.send('POST', '/v3/service_instances', {
          body: {
            type: 'managed',
            name: `${kind}-${n}`,
            relationships: { space: { data: { guid: s.space.guid } }, service_plan: { data: { guid: plans[0].guid } } },
          },
        });
        await untilJobDone(s, si.location);
        const guid = (await s.cc.send('GET', `/v3/service_instances?names=${kind}-${n}`)).json.resources[0].guid;
        const b = await s.cc.send('POST', '/v3/service_credential_bindings', {
          body: { type: 'app', relationships: { app: { data: { guid: appGuid } }, service_instance: { data: { guid } } } },
        });
        await untilJobDone(s, b.location);
        const bindingGuid = (await s.cc.send('GET', `/v3/service_credential_bindings?service_instance_guids=${guid}&app_guids=${appGuid}`)).json.resources[0]
          .guid;
        const creds = (await s.cc.send('GET', `/v3/service_credential_bindings/${bindingGuid}/details`)).json.credentials as Credentials;
        CLIENTS[kind].write(creds, `bench-${n}`);
        if (CLIENTS[kind].read(creds) !== `bench-${n}`) throw new Error(`${kind}: the value did not read back`);
        times.push(performance.now() - t0);
        ports[kind] = creds.port as number;
        process.stderr.write(`${kind} ${n}: ${Math.round(times.at(-1)!)} ms\n`);
      }
      rows.push({ kind, firstMs: Math.round(times[0]!), laterMs: Math.round(times[1]!) });
    }
    await new Promise((r) => setTimeout(r, 5000));
    const servers = Object.fromEntries(KINDS.map((k) => [k, Number(treeRssMb(listenerPid(ports[k]!)).toFixed(1))])) as Record<EngineKind, number>;
    const daemon = memoryMb(daemonPid).rssMb;
    const result = {
      machine: machine(),
      createBindReachableMs: rows,
      idleRssMb: {
        foundationWithoutServers: Number(bare.toFixed(1)),
        foundationWithServers: Number(daemon.toFixed(1)),
        servers,
        total: Number((daemon + Object.values(servers).reduce((a, b) => a + b, 0)).toFixed(1)),
      },
    };
    console.log(JSON.stringify(result, null, 2));
    for (const r of rows) console.log(`| ${r.kind} | ${r.firstMs} ms | ${r.laterMs} ms | ${servers[r.kind]} MB |`);
    saveResult('services', result);
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
