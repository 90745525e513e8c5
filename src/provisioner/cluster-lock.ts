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

export function acquireClusterLock(cluster: string, operation: string): ClusterLock {
  const file = lockPath(cluster);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const info: LockInfo = { pid: process.pid, operation, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(info), { flag: 'wx', mode: 0o600 });
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          // Only remove our own lock (a stale-lock takeover may have replaced it).
          if (readLock(cluster)?.pid === process.pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = readLock(cluster);
      if (holder && processAlive(holder.pid) && holder.pid !== process.pid) {
        throw new PaddockError(ErrorCodes.CLUSTER_BUSY, `cluster "${cluster}" is busy: ${holder.operation} since ${holder.since} (pid ${holder.pid})`, {
          remedy: 'wait for it to finish, or stop that process',
        });
      }
      // Stale (its process is gone) or unreadable: take it over.
      fs.rmSync(file, { force: true });
    }
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
