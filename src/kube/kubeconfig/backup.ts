/**
 * One backup per day of each kubeconfig file Paddock changes, taken from the
 * bytes read under the lock just before the first write of that (local) day.
 *
 * Backups live in Paddock's data folder, not next to the file: they hold
 * credentials, so they go in a 0700 folder as 0600 files, and they do not
 * clutter ~/.kube (where other tools glob for configs).
 *   <paddockHome>/backups/kubeconfig/<slug of the file's path>/config-YYYYMMDD
 * plus `source.txt` naming the original path. The newest 14 are kept.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { paddockHome } from '../../shared/paths.js';

export const BACKUPS_KEPT = 14;

export function backupDirFor(file: string): string {
  const abs = path.resolve(file);
  const hash = createHash('sha256').update(abs).digest('hex').slice(0, 8);
  const slug = abs.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+/, '').slice(-80);
  return path.join(paddockHome(), 'backups', 'kubeconfig', `${slug}-${hash}`);
}

export function backupNameFor(file: string, date: Date): string {
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, '0');
  const d = String(date.getDate()).padStart(2, '0');
  return `${path.basename(file)}-${y}${m}${d}`;
}

/**
 * Saves `text` (the file as it is before today's first change) unless today's
 * backup exists. Returns the backup path when one was written.
 */
export async function backupOncePerDay(file: string, text: string, date: Date = new Date()): Promise<string | undefined> {
  if (text === '') return undefined;
  const dir = backupDirFor(file);
  const target = path.join(dir, backupNameFor(file, date));
  try {
    await fs.access(target);
    return undefined;
  } catch {
    // not yet today
  }
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.writeFile(path.join(dir, 'source.txt'), `${path.resolve(file)}\n`, { mode: 0o600 });
  const tmp = `${target}.tmp-${randomBytes(4).toString('hex')}`;
  await fs.writeFile(tmp, text, { mode: 0o600, flush: true });
  try {
    // link() fails when today's backup appeared meanwhile: the first one wins.
    await fs.link(tmp, target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return undefined;
  } finally {
    await fs.unlink(tmp).catch(() => undefined);
  }
  await pruneBackups(dir, path.basename(file));
  return target;
}

async function pruneBackups(dir: string, base: string): Promise<void> {
  const names = (await fs.readdir(dir)).filter((n) => new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{8}$`).test(n)).sort();
  for (const old of names.slice(0, Math.max(0, names.length - BACKUPS_KEPT))) {
    await fs.unlink(path.join(dir, old)).catch(() => undefined);
  }
}
