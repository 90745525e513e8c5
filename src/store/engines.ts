/**
 * Which Docker engine holds which cluster: <paddockHome>/engines.json. Docker
 * stays the truth about what a cluster is (its labelled containers); this file
 * only remembers where to look, so `list` can show clusters of engines other
 * than the current one, and say when such an engine is down. Written
 * atomically (temporary file, rename), mode 0600.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { paddockHome } from '../shared/paths.js';
import { engineKey, type Engine } from '../provisioner/runtime/engine.js';

const RememberedEngineSchema = z.object({
  name: z.string().min(1),
  host: z.string().min(1),
  context: z.string().optional(),
  tls: z.object({ certDir: z.string(), verify: z.boolean() }).optional(),
});
export type RememberedEngine = z.infer<typeof RememberedEngineSchema>;

const RecordSchema = z.object({ cluster: z.string().min(1), engine: RememberedEngineSchema, since: z.string() });
export type EngineRecord = z.infer<typeof RecordSchema>;

const FileSchema = z.object({ version: z.literal(1), clusters: z.array(RecordSchema) });

export function enginesFile(): string {
  return path.join(paddockHome(), 'engines.json');
}

export async function readEngineRecords(file = enginesFile()): Promise<EngineRecord[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  try {
    return FileSchema.parse(JSON.parse(text)).clusters;
  } catch (e) {
    throw new PaddockError(ErrorCodes.INVALID_CONFIG, `${file} is not a valid engines file: ${(e as Error).message.split('\n')[0]}`, {
      remedy: `remove it: Paddock only loses track of clusters on engines other than the current one (DOCKER_HOST or --docker-context finds them again)`,
    });
  }
}

async function write(records: EngineRecord[], file: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, JSON.stringify({ version: 1, clusters: records }, null, 2) + '\n', { mode: 0o600 });
  await fs.rename(tmp, file);
}

function remembered(engine: Engine): RememberedEngine {
  return { name: engine.name, host: engine.host, ...(engine.context ? { context: engine.context } : {}), ...(engine.tls ? { tls: engine.tls } : {}) };
}

const same = (r: EngineRecord, cluster: string, engine: Pick<Engine, 'host'>) => r.cluster === cluster && engineKey(r.engine) === engineKey(engine);

/**
 * Applies adds and removals in one read-modify-write; writes only on change.
 * Clusters are rarely made at the same instant, and a lost record is found
 * again the next time its engine is the current one.
 */
export async function updateEngineRecords(
  change: { add?: { cluster: string; engine: Engine }[]; remove?: { cluster: string; engine: Pick<Engine, 'host'> }[] },
  file = enginesFile(),
): Promise<EngineRecord[]> {
  const records = await readEngineRecords(file);
  let next = records.filter((r) => !(change.remove ?? []).some((x) => same(r, x.cluster, x.engine)));
  for (const a of change.add ?? []) {
    if (!next.some((r) => same(r, a.cluster, a.engine))) next = [...next, { cluster: a.cluster, engine: remembered(a.engine), since: new Date().toISOString() }];
  }
  if (next.length !== records.length || next.some((r, i) => r !== records[i])) await write(next, file);
  return next;
}
