/**
 * The only way Paddock changes a kubeconfig: take kubectl's lock, re-read
 * every file under it, let a pure plan compute the new documents, back the
 * file up once a day, then write each changed file atomically (temporary file
 * in the same folder, mode 0600, fsync, rename). A file that does not parse
 * stops everything before a byte is written.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import yaml from 'js-yaml';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { backupOncePerDay } from './backup.js';
import { defaultFilename, loadKubeconfig, type KubeconfigDoc, type MergedKubeconfig } from './load.js';
import { withKubeconfigLock, type LockOptions } from './lock.js';
import { kubeconfigPaths } from './paths.js';

/** No line folding (certificates are long), no anchors, quote anything YAML 1.1 would misread. */
export function serializeKubeconfig(doc: KubeconfigDoc): string {
  return yaml.dump(doc, { lineWidth: -1, noRefs: true });
}

/** Where a write really lands: through a symlink (dotfile repos), never replacing it. */
async function resolveTarget(file: string): Promise<string> {
  try {
    return await fs.realpath(file);
  } catch {
    return path.resolve(file);
  }
}

/** Creates the folder (0700, like a fresh ~/.kube should be) when it is missing. */
export async function ensureParentDir(file: string): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
}

/**
 * On Windows a rename over a file another process has open (an editor, an
 * antivirus scan) fails for a moment with EPERM/EACCES/EBUSY; retry briefly.
 */
async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fs.rename(from, to);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (process.platform !== 'win32' || attempt >= 10 || !['EPERM', 'EACCES', 'EBUSY'].includes(code)) throw e;
      await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
    }
  }
}

/** Replaces `file` with `text` atomically, mode 0600, keeping the owner when run as root. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const target = await resolveTarget(file);
  await ensureParentDir(target);
  const before = await fs.stat(target).catch(() => undefined);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.paddock-tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fh = await fs.open(tmp, 'wx', 0o600);
  try {
    try {
      await fh.writeFile(text, 'utf8');
      await fh.chmod(0o600); // the umask may have narrowed nothing, but never widen
      if (before && typeof process.getuid === 'function' && process.getuid() === 0 && before.uid !== 0) {
        await fh.chown(before.uid, before.gid); // `sudo paddock …` must not steal the user's file
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await renameWithRetry(tmp, target);
  } catch (e) {
    await fs.unlink(tmp).catch(() => undefined);
    throw e;
  }
  // The rename is durable only once the folder is synced (POSIX).
  if (process.platform !== 'win32') {
    const dir = await fs.open(path.dirname(target), 'r').catch(() => undefined);
    if (dir) await dir.sync().catch(() => undefined).finally(() => dir.close());
  }
}

export interface KubeconfigChange {
  file: string;
  doc: KubeconfigDoc;
}

export interface Plan<T> {
  changes: KubeconfigChange[];
  result: T;
}

export interface UpdateOptions {
  /** The loading-rule files (default: kubeconfigPaths()). */
  files?: string[];
  lock?: LockOptions;
  /** Day-stamped backups (default true). */
  backup?: boolean;
}

export interface UpdateResult<T> {
  result: T;
  /** Files actually rewritten (unchanged documents are not written). */
  written: string[];
  backups: string[];
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Locks the files (every existing file of the loading rules plus the default
 * one, as kubectl locks its whole precedence list), re-reads and merges
 * them, runs `plan`, and writes the documents it returns.
 */
export async function updateKubeconfig<T>(plan: (merged: MergedKubeconfig) => Plan<T>, opts: UpdateOptions = {}): Promise<UpdateResult<T>> {
  const files = opts.files ?? kubeconfigPaths();
  const present = await Promise.all(files.map(async (f) => ({ path: f, exists: await exists(f) })));
  const target = defaultFilename(present);
  if (!(await exists(path.dirname(path.resolve(target))))) {
    // Nothing exists yet. A plan that fails or changes nothing (`use` of an
    // unknown context) must not leave an empty ~/.kube behind.
    const dry = plan(await loadKubeconfig({ files }));
    if (dry.changes.length === 0) return { result: dry.result, written: [], backups: [] };
    await ensureParentDir(target);
  }
  const dirExists = await Promise.all(files.map((f) => exists(path.dirname(path.resolve(f)))));
  const lockSet = files.filter((f, i) => f === target || present[i]?.exists || dirExists[i]);

  return withKubeconfigLock(
    lockSet,
    async (locked) => {
      for (let attempt = 0; ; attempt++) {
        const merged = await loadKubeconfig({ files, retries: 2 });
        const before = new Map(merged.files.map((f) => [f.path, f.exists ? serializeKubeconfig(f.doc) : undefined]));
        const { changes, result } = plan(merged);
        const todo = changes.filter((c) => serializeKubeconfig(c.doc) !== before.get(c.file));
        for (const change of todo) {
          if (!merged.files.some((f) => f.path === change.file)) {
            throw new PaddockError(ErrorCodes.INTERNAL, `refusing to write ${change.file}: it is not a file of the loading rules`);
          }
          if (!locked.includes(change.file)) {
            throw new PaddockError(ErrorCodes.KUBECONFIG_LOCKED, `cannot change ${change.file}: its folder is read-only to you, so its lock cannot be taken`, {
              remedy: `the entry lives in ${change.file}; change it as its owner, or copy the entry into a file you own listed earlier in $KUBECONFIG`,
            });
          }
        }
        // Tools that write without the lock (in place, like kubectl does
        // under it) can change the file, or be half-way through writing it,
        // while Paddock holds the lock: writing a plan made from what was
        // read would then drop their change. Compare the bytes again.
        const moved = await changedSinceRead(todo.map((c) => c.file), merged);
        if (moved) {
          if (attempt < 3) {
            await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
            continue;
          }
          throw new PaddockError(ErrorCodes.KUBECONFIG_LOCKED, `${moved} keeps changing while Paddock holds its lock: another program writes it without taking ${moved}.lock`, {
            remedy: 'wait until that program is done (a cloud CLI adding a cluster, an editor saving) and try again',
          });
        }
        const written: string[] = [];
        const backups: string[] = [];
        for (const change of todo) {
          const loaded = merged.files.find((f) => f.path === change.file);
          if (opts.backup !== false && loaded?.exists) {
            const b = await backupOncePerDay(change.file, loaded.text);
            if (b) backups.push(b);
          }
          await writeFileAtomic(change.file, serializeKubeconfig(change.doc));
          written.push(change.file);
        }
        return { result, written, backups };
      }
    },
    { ...opts.lock, optional: (f) => f !== target },
  );
}

/** The first file whose bytes differ from what the plan was made from. */
async function changedSinceRead(files: string[], merged: MergedKubeconfig): Promise<string | undefined> {
  for (const file of files) {
    const loaded = merged.files.find((f) => f.path === file);
    const now = await fs.readFile(file, 'utf8').catch(() => '');
    if (now !== (loaded?.text ?? '')) return file;
  }
  return undefined;
}
