/**
 * Saved port-forwards: <paddockHome>/forwards.json, zod-checked, versioned
 * (older files are migrated when read and rewritten at the next save),
 * written atomically (temporary file in the same folder, fsync, rename),
 * mode 0600. It holds the user's wishes; what runs is in the ForwardManager.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { paddockHome } from '../shared/paths.js';

export const FORWARDS_FILE_VERSION = 1;

export const StoredForwardSchema = z.object({
  id: z.string().regex(/^[a-z0-9][-a-z0-9.]*$/),
  context: z.string().min(1),
  /** The kubeconfig file that held the context when the forward was added. */
  kubeconfig: z.string().optional(),
  namespace: z.string().min(1),
  target: z.string().regex(/^(pod|svc|deploy)\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/),
  localAddress: z.string().min(1),
  localPort: z.number().int().min(0).max(65535),
  remotePort: z.union([z.number().int().min(1).max(65535), z.string().min(1)]),
  autoStart: z.boolean(),
  createdAt: z.string().optional(),
});
export type StoredForward = z.infer<typeof StoredForwardSchema>;

const FileV1Schema = z.object({ version: z.literal(1), forwards: z.array(StoredForwardSchema) });
export type ForwardsFile = z.infer<typeof FileV1Schema>;

/**
 * Migrations from each older version to the next. Version 0 is the
 * unversioned early format: a bare array addressed by Paddock cluster name.
 */
const MIGRATIONS: Record<number, (doc: unknown) => unknown> = {
  0: (doc) => ({
    version: 1,
    forwards: (doc as Record<string, unknown>[]).map((f) => {
      const { cluster, ...rest } = f;
      return { autoStart: true, localAddress: '127.0.0.1', namespace: 'default', ...rest, context: rest.context ?? `paddock-${String(cluster)}` };
    }),
  }),
};

function versionOf(doc: unknown): number {
  if (Array.isArray(doc)) return 0;
  if (doc && typeof doc === 'object' && typeof (doc as { version?: unknown }).version === 'number') return (doc as { version: number }).version;
  return -1;
}

/** Parses any known version into the current one; collects every problem. */
export function parseForwardsFile(text: string, file = 'forwards.json'): ForwardsFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw invalid(file, `it is not JSON (${(e as Error).message})`);
  }
  let v = versionOf(doc);
  if (v < 0) throw invalid(file, 'it has no "version" field');
  if (v > FORWARDS_FILE_VERSION) {
    throw new PaddockError(ErrorCodes.INVALID_CONFIG, `${file} was written by a newer Paddock (version ${v}; this one reads up to ${FORWARDS_FILE_VERSION})`, {
      remedy: `upgrade Paddock, or move ${file} away to start with no saved forwards`,
    });
  }
  while (v < FORWARDS_FILE_VERSION) {
    doc = MIGRATIONS[v]!(doc);
    v++;
  }
  const r = FileV1Schema.safeParse(doc);
  if (!r.success) throw invalid(file, r.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; '));
  const seen = new Set<string>();
  for (const f of r.data.forwards) {
    if (seen.has(f.id)) throw invalid(file, `forward id "${f.id}" appears twice`);
    seen.add(f.id);
  }
  return r.data;
}

function invalid(file: string, why: string): PaddockError {
  return new PaddockError(ErrorCodes.INVALID_CONFIG, `the saved forwards in ${file} cannot be read: ${why}`, {
    remedy: `fix or move away ${file}; Paddock starts with no saved forwards without it`,
  });
}

export function forwardsFilePath(home = paddockHome()): string {
  return path.join(home, 'forwards.json');
}

export interface ForwardStore {
  readonly file: string;
  load(): Promise<StoredForward[]>;
  /** Read, change and write under one in-process lock; returns what fn returns. */
  update<T>(fn: (forwards: StoredForward[]) => T | Promise<T>): Promise<T>;
}

export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await fs.open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(text);
    await fh.chmod(0o600);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

export function fileForwardStore(file = forwardsFilePath()): ForwardStore {
  let chain: Promise<unknown> = Promise.resolve();
  const load = async (): Promise<StoredForward[]> => {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return parseForwardsFile(text, file).forwards;
  };
  return {
    file,
    load,
    update<T>(fn: (forwards: StoredForward[]) => T | Promise<T>): Promise<T> {
      const run = chain.then(async () => {
        const forwards = await load();
        const result = await fn(forwards);
        const doc: ForwardsFile = { version: FORWARDS_FILE_VERSION, forwards };
        await writeFileAtomic(file, JSON.stringify(doc, null, 2) + '\n');
        return result;
      });
      chain = run.catch(() => undefined);
      return run;
    },
  };
}

/** A readable, stable id: svc-web-80, then svc-web-80-2 … */
export function newForwardId(target: string, remote: number | string, taken: Iterable<string>): string {
  const base = `${target.replace('/', '-')}-${remote}`.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}-${i}`)) return `${base}-${i}`;
}
