import type { Command } from 'commander';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import type { CliEnv } from '../env.js';

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
      const [{ runWebUi }, { createDefaultCore }, { EventBus }, { startWatchers }, { dockerRuntime }, { resolveEngine }] = await Promise.all([
        import('../../server/index.js'),
        import('../../core/index.js'),
        import('../../core/events.js'),
        import('../../core/watchers.js'),
        import('../../provisioner/runtime/docker.js'),
        import('../../provisioner/runtime/engine.js'),
      ]);
      const { startSavedForwards } = await import('../../core/saved-forwards.js');
      const dockerContext = env.flags().dockerContext;
      const bus = new EventBus();
      // Changes made elsewhere (kubectl, another Paddock, docker) reach the page at once.
      const stopWatching = startWatchers(dockerRuntime(resolveEngine({ context: dockerContext })), bus);
      const core = createDefaultCore({ bus, dockerContext });
      const server = await runWebUi({ core, bus, port: o.port, open: o.open });
      void startSavedForwards(core, (line) => env.say(line));
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      stopWatching();
      // Forwards end with the app: their listeners and the rules of the direct path in the nodes go too.
      await core.stopAllForwards({}, { progress: () => {}, opId: 'quit' }).catch(() => undefined);
      await server.close();
    });
}
