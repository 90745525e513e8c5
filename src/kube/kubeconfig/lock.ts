/**
 * The lock kubectl and client-go take before changing a kubeconfig:
 * `<file>.lock`, created with O_CREAT|O_EXCL and removed afterwards
 * (clientcmd.lockFile). kubectl gives up at once when the lock exists;
 * Paddock waits a few seconds with backoff, because a desktop app racing a
 * script should win politely, not fail. A lock is never broken silently:
 * after the wait the user is told which file to remove and how old it is —
 * except one left by a Paddock process of this host that no longer runs.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';

export interface LockOptions {
  /** How long to wait for a held lock (default 5 s). */
  timeoutMs?: number;
  /** A lock older than this is called stale in the error message (default 60 s). */
  staleAfterMs?: number;
}

export type Release = () => Promise<void>;

export const lockPathFor = (file: string): string => `${file}.lock`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Who holds a lock, as far as the lock file tells (kubectl's are empty). */
export interface LockHolder {
  ageMs?: number;
  paddockPid?: number;
  sameHost?: boolean;
  /** Only known for Paddock's own locks on this host. */
  alive?: boolean;
}

export async function describeLock(lockPath: string, now = Date.now()): Promise<LockHolder | undefined> {
  let st;
  try {
    st = await fs.stat(lockPath);
  } catch {
    return undefined;
  }
  const holder: LockHolder = { ageMs: Math.max(0, now - st.mtimeMs) };
  const text = await fs.readFile(lockPath, 'utf8').catch(() => '');
  const m = /^paddock pid=(\d+) host=(\S+)/.exec(text);
  if (m) {
    holder.paddockPid = Number(m[1]);
    holder.sameHost = m[2] === os.hostname();
    if (holder.sameHost) holder.alive = processAlive(holder.paddockPid);
  }
  return holder;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockedError(file: string, lockPath: string, holder: LockHolder | undefined, opts: Required<LockOptions>): PaddockError {
  const age = holder?.ageMs;
  const ageText = age === undefined ? '' : ` (created ${Math.round(age / 1000)} s ago)`;
  const stale = age !== undefined && age > opts.staleAfterMs;
  const deadPaddock = holder?.paddockPid !== undefined && holder.alive === false;
  let who = 'another program (kubectl, an editor plugin or another Paddock) is changing it';
  if (deadPaddock) who = `it was left by Paddock process ${holder?.paddockPid}, which is no longer running`;
  else if (holder?.paddockPid !== undefined && holder.alive) who = `Paddock process ${holder.paddockPid} is changing it`;
  else if (stale) who = 'the lock looks stale: kubectl holds it for milliseconds, not minutes';
  const message = `the kubeconfig ${file} is locked: ${lockPath} exists${ageText}; ${who}`;
  const remedy =
    stale || deadPaddock
      ? `if no kubectl, Paddock or other Kubernetes tool is running, remove the lock: rm '${lockPath}'`
      : `wait a moment and try again; if it persists and no kubectl is running, remove the lock: rm '${lockPath}'`;
  return new PaddockError(ErrorCodes.KUBECONFIG_LOCKED, message, { remedy });
}

/** Takes `<file>.lock` exclusively, waiting up to timeoutMs. */
export async function acquireLock(file: string, options: LockOptions = {}): Promise<Release> {
  const opts: Required<LockOptions> = { timeoutMs: options.timeoutMs ?? 5000, staleAfterMs: options.staleAfterMs ?? 60_000 };
  const lockPath = lockPathFor(file);
  // The content is ours: client-go only checks that the file exists, so
  // writing who we are costs nothing and lets errors name the holder.
  const token = `paddock pid=${process.pid} host=${os.hostname()} id=${randomBytes(6).toString('hex')}\n`;
  const deadline = Date.now() + opts.timeoutMs;
  let delay = 5;
  for (;;) {
    try {
      const fh = await fs.open(lockPath, 'wx', 0o600);
      try {
        await fh.writeFile(token);
      } finally {
        await fh.close();
      }
      return async () => {
        // Remove only our own lock: if someone removed it by hand and another
        // writer took it since, deleting theirs would let two writers in.
        const now = await fs.readFile(lockPath, 'utf8').catch(() => undefined);
        if (now === token || now === '') await fs.unlink(lockPath).catch(() => undefined);
      };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        throw new PaddockError(ErrorCodes.KUBECONFIG_LOCKED, `cannot create the lock ${lockPath}: ${code ?? String(e)}`, {
          remedy: `check that you can write to the folder of ${file}`,
          cause: e,
        });
      }
    }
    const holder = await describeLock(lockPath);
    // Left by a Paddock that was killed on this host: its writes are atomic
    // (write.ts), so nothing is half-done, and waiting would never end.
    if (holder?.paddockPid !== undefined && holder.alive === false && (await takeOverDeadLock(lockPath))) continue;
    if (Date.now() >= deadline) throw lockedError(file, lockPath, holder, opts);
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 200);
  }
}

/**
 * Moves the lock aside, then removes it if `stillThatLock` says the moved file
 * is the one that was judged removable; a lock another writer made in the
 * meantime is put back. 'gone' when there was no lock to move.
 */
async function removeLockIf(lockPath: string, tag: string, stillThatLock: (aside: string) => Promise<boolean>): Promise<'removed' | 'kept' | 'gone'> {
  const aside = `${lockPath}.${tag}-${randomBytes(4).toString('hex')}`;
  try {
    await fs.rename(lockPath, aside);
  } catch {
    return 'gone';
  }
  const removable = await stillThatLock(aside);
  if (!removable) await fs.link(aside, lockPath).catch(() => undefined);
  await fs.unlink(aside).catch(() => undefined);
  return removable ? 'removed' : 'kept';
}

/** Removes a dead Paddock's lock, unless another writer replaced it since it was read; false when a live writer holds it. */
async function takeOverDeadLock(lockPath: string): Promise<boolean> {
  const outcome = await removeLockIf(lockPath, 'dead', async (aside) => {
    const moved = await describeLock(aside);
    return moved?.paddockPid !== undefined && moved.alive === false;
  });
  return outcome !== 'kept';
}

/**
 * Removes a lock the user confirmed is stale (the GUI's "Remove lock"
 * button, after KUBECONFIG_LOCKED). Refuses a lock younger than minAgeMs,
 * and never removes a lock that another writer created in the meantime.
 */
export async function breakStaleLock(file: string, minAgeMs = 60_000): Promise<void> {
  const lockPath = lockPathFor(file);
  const st = await fs.stat(lockPath).catch(() => undefined);
  if (!st) return;
  const age = Date.now() - st.mtimeMs;
  if (age < minAgeMs) {
    throw new PaddockError(ErrorCodes.KUBECONFIG_LOCKED, `${lockPath} is only ${Math.round(age / 1000)} s old: a writer may still be running`, {
      remedy: 'wait a minute and try again',
    });
  }
  // Only the very file that was judged stale (same inode) is removed.
  await removeLockIf(lockPath, 'stale', async (aside) => (await fs.stat(aside)).ino === st.ino);
}

/** Lock errors that mean "you may not write here", not "someone holds it". */
const READ_ONLY = new Set(['EACCES', 'EPERM', 'EROFS']);

export interface MultiLockOptions extends LockOptions {
  /**
   * Files Paddock may fail to lock because their folder is read-only to the
   * user (a shared /etc/kube/config in $KUBECONFIG). kubectl then refuses
   * every change (kubernetes/kubernetes#67676); Paddock goes on and only
   * refuses to write those files.
   */
  optional?: (file: string) => boolean;
}

/**
 * Runs fn holding the locks of all files, taken in sorted order as
 * client-go's ModifyConfig does, so two writers never deadlock. fn gets the
 * files actually locked.
 */
export async function withKubeconfigLock<T>(files: string[], fn: (locked: string[]) => Promise<T>, options: MultiLockOptions = {}): Promise<T> {
  const sorted = [...new Set(files)].sort();
  const releases: Release[] = [];
  const locked: string[] = [];
  try {
    for (const f of sorted) {
      try {
        releases.push(await acquireLock(f, options));
        locked.push(f);
      } catch (e) {
        const code = ((e as Error).cause as NodeJS.ErrnoException | undefined)?.code;
        if (!(options.optional?.(f) && code && READ_ONLY.has(code))) throw e;
      }
    }
    return await fn(locked);
  } finally {
    for (const r of releases.reverse()) await r();
  }
}
