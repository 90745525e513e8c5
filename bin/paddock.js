#!/usr/bin/env node
// Runs the CLI from its TypeScript sources through tsx, so a clone needs no
// build step and never runs stale compiled code.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = await import(pathToFileURL(join(root, 'src', 'cli', 'index.ts')).href);
const code = await cli.main(process.argv);
// Exit once output is flushed: an idle keep-alive socket to the Docker engine
// must not keep a finished command alive.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
