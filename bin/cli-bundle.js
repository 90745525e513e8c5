// The CLI's sources bundled into one ES module (npm packages stay external),
// cached under node_modules/.cache by a fingerprint of src/ (paths, sizes,
// mtimes), so an edit is picked up on the next command.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const FORMAT = 'v1'; // bump when the bundling below changes

function fingerprint(srcDir) {
  const hash = createHash('sha256').update(FORMAT);
  const files = fs
    .readdirSync(srcDir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && /\.(ts|mts|json)$/.test(d.name) && !/\.test\.tsx?$/.test(d.name))
    .map((d) => path.join(d.parentPath ?? d.path, d.name))
    .sort();
  for (const f of files) {
    const st = fs.statSync(f);
    hash.update(`${f}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

/** Modules find files beside them through import.meta.url: keep each one's own URL. */
const keepModuleUrls = (srcDir) => ({
  name: 'keep-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.m?ts$/ }, async (args) => {
      if (!args.path.startsWith(srcDir)) return undefined;
      const text = await fs.promises.readFile(args.path, 'utf8');
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    });
  },
});

/** The bundle's path, building it when missing; undefined when it cannot be built (tsx runs the sources then). */
export async function cliBundle(root, entry) {
  try {
    const srcDir = path.join(root, 'src');
    const cacheDir = path.join(root, 'node_modules', '.cache', 'paddock-cli');
    const out = path.join(cacheDir, `cli-${fingerprint(srcDir)}.mjs`);
    if (fs.existsSync(out)) return out;
    const { build } = await import('esbuild');
    fs.mkdirSync(cacheDir, { recursive: true });
    // Another command may be building the same bundle: write aside, then rename.
    const tmp = `${out}.${process.pid}.tmp`;
    await build({
      entryPoints: [entry],
      outfile: tmp,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
      plugins: [keepModuleUrls(srcDir)],
    });
    fs.renameSync(tmp, out);
    // Old bundles go once nothing can still be loading them.
    for (const old of fs.readdirSync(cacheDir)) {
      const file = path.join(cacheDir, old);
      if (file !== out && Date.now() - fs.statSync(file).mtimeMs > 10 * 60_000) fs.rmSync(file, { force: true });
    }
    return out;
  } catch (e) {
    if (process.env.PADDOCK_DEBUG) process.stderr.write(`paddock: bundling the CLI failed, running the sources through tsx: ${e?.message ?? e}\n`);
    return undefined;
  }
}
