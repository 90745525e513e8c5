/**
 * One operation at a time per cluster, across processes (CLI and GUI): a lock
 * file created exclusively, holding who and what.
 * A lock whose process is gone is stale and taken over; a create that was
 * killed leaves one behind, which is how `list` knows the cluster is broken.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import os from 'node:os';

export interface LockInfo {
  pid: number;
  operation: string;
  since: string;
}

/**
 * Cluster names are global to the Docker engine, not to a data folder, so
 * locks live in one place per user of this machine; /tmp also forgets them
 * at reboot, when their processes are gone anyway.
 */
export function locksDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return process.env.PADDOCK_LOCK_DIR ?? path.join(os.tmpdir(), `paddock-${uid}`, 'locks');
}

export function lockPath(cluster: string): string {
  return path.join(locksDir(), `${cluster}.lock`);
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLock(cluster: string): LockInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(lockPath(cluster), 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/** The lock of a live process, if any (a dead holder's lock is not "held"). */
export function heldLock(cluster: string): LockInfo | undefined {
  const info = readLock(cluster);
  return info && processAlive(info.pid) ? info : undefined;
}

export interface ClusterLock {
  release(): void;
}

/**
 * Creates the lock file complete or not at all: written under a private name,
 * then hard-linked into place (link fails if the name exists). A file made
 * with O_EXCL and written afterwards would be seen empty by a concurrent
 * process, which would take it for stale and take it over.
 */
function tryCreate(file: string, info: LockInfo): boolean {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Removes a stale lock only if it is still the one judged stale: it is moved
 * aside first, so a fresh lock another process made meanwhile is not lost.
 */
function removeStale(file: string, stale: string | undefined): void {
  const aside = `${file}.stale.${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // gone already
  }
  const moved = fs.readFileSync(aside, 'utf8');
  if (stale !== undefined && moved !== stale) {
    // Someone's fresh lock: put it back (unless yet another one appeared).
    try {
      fs.linkSync(aside, file);
    } catch {
      // a newer lock is in place; its holder wins
    }
  }
  fs.rmSync(aside, { force: true });
}

export function acquireClusterLock(cluster: string, operation: string): ClusterLock {
  const file = lockPath(cluster);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const info: LockInfo = { pid: process.pid, operation, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(file, info)) {
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          // Only remove our own lock (a stale-lock takeover may have replaced it).
          if (readLock(cluster)?.pid === process.pid) fs.rmSync(file, { force: true });
        },
      };
    }
    let text: string | undefined;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue; // released meanwhile: try again
    }
    let holder: LockInfo | undefined;
    try {
      holder = JSON.parse(text) as LockInfo;
    } catch {
      holder = undefined;
    }
    if (holder && processAlive(holder.pid) && holder.pid !== process.pid) {
      throw new PaddockError(ErrorCodes.CLUSTER_BUSY, `cluster "${cluster}" is busy: ${holder.operation} since ${holder.since} (pid ${holder.pid})`, {
        remedy: 'wait for it to finish, or stop that process',
      });
    }
    // Stale (its process is gone) or unreadable: take it over.
    removeStale(file, text);
  }
  throw new PaddockError(ErrorCodes.CLUSTER_BUSY, `could not lock cluster "${cluster}" (${file})`);
}

export async function withClusterLock<T>(cluster: string, operation: string, fn: () => Promise<T>): Promise<T> {
  const lock = acquireClusterLock(cluster, operation);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
