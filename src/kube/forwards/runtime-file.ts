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
