import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { execa } from 'execa';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import type { CliEnv } from '../env.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const rendererIndex = path.join(root, 'dist', 'renderer', 'index.html');

/** The GUI is built once from source (vite); a clone needs no separate build step. */
async function ensureRenderer(say: (s: string) => void): Promise<void> {
  if (fs.existsSync(rendererIndex)) return;
  say('Building the GUI (once, about 20 s) …');
  const r = await execa('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: root, reject: false, all: true });
  if (r.exitCode !== 0) throw new PaddockError(ErrorCodes.INTERNAL, 'building the GUI failed', { output: String(r.all ?? '') });
}

function openInBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  execa(cmd, args as string[], { reject: false, detached: true, stdio: 'ignore' }).catch(() => {});
}

export function registerUiCommand(program: Command, env: CliEnv): void {
  program
    .command('ui')
    .description('open the Paddock app, or with --web serve the same GUI on 127.0.0.1 for a browser')
    .option('--web', 'serve the GUI in a browser instead of the desktop window', false)
    .option('-p, --port <port>', 'port for --web (default: a free one)', (v) => Number(v), 0)
    .option('--no-open', 'do not open a browser')
    .action(async (o: { web: boolean; port: number; open: boolean }) => {
      if (!o.web) {
        throw new PaddockError(ErrorCodes.NOT_IMPLEMENTED, 'the desktop window needs the packaged app (npm run dist) or Electron installed', {
          remedy: 'use `paddock ui --web` for the same GUI in your browser',
        });
      }
      await ensureRenderer((s) => env.say(s));
      const [{ startWebServer }, { createDefaultCore }, { EventBus }, { startWatchers }, { dockerRuntime }] = await Promise.all([
        import('../../server/index.js'),
        import('../../core/index.js'),
        import('../../core/events.js'),
        import('../../core/watchers.js'),
        import('../../provisioner/runtime/docker.js'),
      ]);
      const bus = new EventBus();
      const stopWatching = startWatchers(dockerRuntime(), bus);
      const server = await startWebServer({ core: createDefaultCore(), bus, port: o.port });
      process.stdout.write(`Paddock is at ${server.url}\n(listening on 127.0.0.1 only; the token in the URL is required; Ctrl-C to stop)\n`);
      if (o.open) openInBrowser(server.url);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      stopWatching();
      await server.close();
    });
}
