/**
 * What a process that holds forwards (GUI, tray, `forward start`) is doing,
 * published next to the store as <dir>/forwards-running/<pid>.json, so that
 * `paddock forward list` in another process shows the live state instead of
 * "stopped". A file whose process is gone is ignored and removed.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ForwardInfo } from '../../shared/api.js';
import { writeFileAtomic } from '../../store/forwards.js';

export function runtimeDir(storeFile: string): string {
  return path.join(path.dirname(storeFile), 'forwards-running');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function publishRuntime(storeFile: string, forwards: ForwardInfo[]): Promise<void> {
  const file = path.join(runtimeDir(storeFile), `${process.pid}.json`);
  if (forwards.length === 0) {
    await fs.rm(file, { force: true });
    return;
  }
  await writeFileAtomic(file, JSON.stringify({ pid: process.pid, updatedAt: new Date().toISOString(), forwards }) + '\n');
}

/** Forwards held by other live processes, by id. */
export async function readOthersRuntime(storeFile: string): Promise<Map<string, ForwardInfo & { heldBy: number }>> {
  const dir = runtimeDir(storeFile);
  const out = new Map<string, ForwardInfo & { heldBy: number }>();
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const m = /^(\d+)\.json$/.exec(n);
    if (!m || Number(m[1]) === process.pid) continue;
    const pid = Number(m[1]);
    if (!alive(pid)) {
      await fs.rm(path.join(dir, n), { force: true });
      continue;
    }
    try {
      const doc = JSON.parse(await fs.readFile(path.join(dir, n), 'utf8')) as { forwards?: ForwardInfo[] };
      for (const f of doc.forwards ?? []) out.set(f.id, { ...f, local: false, heldBy: pid });
    } catch {
      // half-written or foreign: skip
    }
  }
  return out;
}

/*
 * Stop requests: `paddock forward stop ID` in one process for a forward that
 * another process holds (the GUI, a foreground `forward start`) leaves
 * <dir>/forwards-running/<holder pid>.stop.<id>; the holder watches that
 * directory, stops the forward and removes the file.
 */
const STOP_RE = /^(\d+)\.stop\.([a-z0-9][-a-z0-9.]*)$/;
/** writeFileAtomic's temporary name: <file>.<pid>.<8 hex>.tmp */
const TMP_RE = /\.\d+\.[0-9a-f]{8}\.tmp$/;

export async function requestStop(storeFile: string, holder: number, id: string): Promise<void> {
  const dir = runtimeDir(storeFile);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(path.join(dir, `${holder}.stop.${id}`), `${process.pid}\n`);
}

export async function withdrawStop(storeFile: string, holder: number, id: string): Promise<void> {
  await fs.rm(path.join(runtimeDir(storeFile), `${holder}.stop.${id}`), { force: true });
}

/** Ids other processes asked this one to stop; the requests are consumed. */
export async function takeStopRequests(storeFile: string): Promise<string[]> {
  const dir = runtimeDir(storeFile);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const ids: string[] = [];
  for (const n of names) {
    const m = STOP_RE.exec(n);
    if (!m || TMP_RE.test(n)) continue;
    const holder = Number(m[1]);
    if (holder === process.pid) {
      ids.push(m[2]!);
      await fs.rm(path.join(dir, n), { force: true });
    } else if (!alive(holder)) await fs.rm(path.join(dir, n), { force: true });
  }
  return ids;
}

/** "node bin/paddock.js forward start --all (pid 123)", or just the pid where the OS does not say. */
export async function describeProcess(pid: number): Promise<string> {
  try {
    const cmd = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean).join(' ');
    if (cmd) return `${cmd.length > 120 ? cmd.slice(0, 117) + '…' : cmd} (pid ${pid})`;
  } catch {
    // not Linux, or gone
  }
  return `pid ${pid}`;
}
