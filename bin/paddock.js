#!/usr/bin/env node
// Runs the CLI from its TypeScript sources, so a clone needs no build step and
// never runs stale code. Loading ~300 modules through tsx took about a second
// on every command (three under load), so the sources are bundled once into a
// cache file named by a fingerprint of src/; tsx is the fallback.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliBundle } from './cli-bundle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src', 'cli', 'index.ts');

let cli;
const bundle = process.env.PADDOCK_NO_BUNDLE ? undefined : await cliBundle(root, entry);
if (bundle) {
  cli = await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(pathToFileURL(entry).href);
}
const code = await cli.main(process.argv);
// Exit once output is flushed: an idle keep-alive socket to the Docker engine
// must not keep a finished command alive.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
