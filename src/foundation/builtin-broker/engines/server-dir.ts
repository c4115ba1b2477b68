// Where a server keeps its files: `<dir>/server`, owned by the server's user.
// When the foundation is root its data dir is often under /root or a mkdtemp
// folder (mode 700) that the postgres/mysql/redis/rabbitmq users cannot
// traverse. Loosening the permissions of folders we do not own is not ours
// to do, so then the files live under /var/lib/cf-push/services/<kind>-<hash
// of dir> (root-owned parents, as Debian keeps /var/lib/postgresql) and
// `<dir>/server` is a symlink there: one path either way, and
// removeServerFiles() removes both.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { run, type ServiceUser } from './privileges';

export const SHARED_ROOT = '/var/lib/cf-push/services';

/**
 * Makes `dir` (0711: the record inside stays 0600) and the server's folder,
 * emptied when `fresh` (no record yet: leftovers of an unfinished first start
 * or of a removed data dir are not ours to trust). Answers the server's folder.
 */
export async function prepareServerDir(dir: string, kind: string, user: ServiceUser | undefined, fresh: boolean): Promise<string> {
  mkdirSync(dir, { recursive: true, mode: user ? 0o711 : 0o700 }); // 711: the service user may traverse, not list
  const link = join(dir, 'server');
  if (!user) {
    if (fresh) rmSync(link, { recursive: true, force: true });
    mkdirSync(link, { recursive: true, mode: 0o700 });
    return link;
  }
  chmodSync(dir, 0o711);
  const shared = join(SHARED_ROOT, `${kind}-${createHash('sha256').update(realpathSync(dir)).digest('hex').slice(0, 16)}`);
  // A layout chosen once stays: a symlink or a folder from an earlier start.
  const useShared = isSymlink(link) || (!existsSync(link) && !(await reachable(user, dir)));
  if (useShared && !(isSymlink(link) && readlinkSync(link) === shared)) {
    rmSync(link, { recursive: true, force: true });
    symlinkSync(shared, link);
  }
  const target = useShared ? shared : link;
  if (fresh) rmSync(target, { recursive: true, force: true });
  mkdirSync(SHARED_ROOT, { recursive: true, mode: 0o755 });
  mkdirSync(target, { recursive: true, mode: 0o700 });
  chownSync(target, user.uid, user.gid);
  chmodSync(target, 0o700);
  // Names whose data this is, for whoever finds the folder under /var/lib.
  if (target !== link) writeFileSync(join(target, '.cf-push-owner'), `${dir}\n`, { mode: 0o644 });
  return target;
}

/** Removes `<dir>/server` and, when it is a symlink, the folder it points to. */
export function removeServerFiles(dir: string): void {
  const link = join(dir, 'server');
  if (isSymlink(link)) {
    const target = readlinkSync(link);
    if (target.startsWith(SHARED_ROOT + '/') && !basename(target).includes('..')) rmSync(target, { recursive: true, force: true });
  }
  rmSync(link, { recursive: true, force: true });
}

/** A folder without an owner file this old is not one a start is still preparing. */
const UNOWNED_GRACE_MS = 60 * 60_000;

/**
 * Removes the folders under SHARED_ROOT that no data dir links to any more (the
 * user or a test removed the data dir; nothing else would ever free them), after
 * stopping any server still running from one. Answers the folders removed.
 */
export function sweepSharedFolders(root = SHARED_ROOT): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const folder = join(root, name);
    if (!/^[a-z]+-[0-9a-f]{16}$/.test(name) || owned(folder)) continue;
    stopProcessesUsing(folder);
    rmSync(folder, { recursive: true, force: true });
    removed.push(folder);
  }
  return removed;
}

/** Does the data dir named in the folder's owner file still link `server` to it? */
function owned(folder: string): boolean {
  let owner: string;
  try {
    owner = readFileSync(join(folder, '.cf-push-owner'), 'utf8').trim();
  } catch {
    try {
      return Date.now() - statSync(folder).mtimeMs < UNOWNED_GRACE_MS;
    } catch {
      return true; // gone meanwhile: nothing to do
    }
  }
  const link = join(owner, 'server');
  return isSymlink(link) && readlinkSync(link) === folder;
}

/** SIGTERM to every process whose command line names `folder` (a server a killed foundation left running). */
function stopProcessesUsing(folder: string): void {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return; // no procfs: nothing we can find
  }
  for (const pid of pids) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (cmd.some((arg) => arg === folder || arg.startsWith(folder + '/'))) process.kill(Number(pid), 'SIGTERM');
    } catch {
      // gone, or not ours to read
    }
  }
}

function isSymlink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Can `user` search `dir` (every parent included)? Asked of the kernel, as that user. */
async function reachable(user: ServiceUser, dir: string): Promise<boolean> {
  return (await run(user, '/usr/bin/test', ['-x', dir, '-a', '-d', dir])).code === 0;
}
