/** Input hashing for cached builds: same inputs → same tag → no rebuild. */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Hash of every file under `dir` (names and contents, sorted), plus extra strings. */
export async function hashTree(dir: string, extra: string[] = []): Promise<string> {
  const h = createHash('sha256');
  const walk = async (d: string): Promise<string[]> => {
    const entries = await fs.readdir(d, { withFileTypes: true });
    const files: string[] = [];
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) files.push(...(await walk(p)));
      else if (e.isFile()) files.push(p);
    }
    return files;
  };
  for (const f of await walk(dir)) {
    h.update(path.relative(dir, f)).update('\0').update(await fs.readFile(f)).update('\0');
  }
  for (const x of extra) h.update(x).update('\0');
  return h.digest('hex');
}
