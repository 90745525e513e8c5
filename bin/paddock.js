#!/usr/bin/env node
// Runs the CLI from its TypeScript sources through tsx, so a clone needs no
// build step and never runs stale compiled code.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = await import(pathToFileURL(join(root, 'src', 'cli', 'index.ts')).href);
process.exitCode = await cli.main(process.argv);
