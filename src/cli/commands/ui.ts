import type { Command } from 'commander';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import type { CliEnv } from '../env.js';

export function registerUiCommand(program: Command, _env: CliEnv): void {
  program
    .command('ui')
    .description('open the Paddock app, or with --web serve the same GUI on 127.0.0.1 for a browser')
    .option('--web', 'serve the GUI in a browser instead of the desktop window', false)
    .option('-p, --port <port>', 'port for --web (default: a free one)')
    .option('--no-open', 'do not open a browser')
    .action(async () => {
      throw new PaddockError(ErrorCodes.NOT_IMPLEMENTED, 'the GUI is not available yet in this version of Paddock (desktop app)');
    });
}
