/**
 * `paddock`: the CLI face. Parses flags with commander, calls the core
 * through the contract, prints one clear line (plus the remedy) on errors.
 */
import { Command, CommanderError, Option } from 'commander';
import { ExitCodes, exitCodeFor, toPaddockError } from '../shared/errors.js';
import { PADDOCK_VERSION } from '../shared/version.js';
import { globalFlags, makeEnv } from './env.js';
import { registerClusterCommands } from './commands/clusters.js';
import { registerAddonCommands, registerContextCommands, registerMiscCommands, registerNodeImageCommands } from './commands/other.js';
import { registerForwardCommands, registerProxyCommand } from './commands/forward.js';
import { registerUiCommand } from './commands/ui.js';
import { registerWorkloadCommands } from './commands/workloads.js';

const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    the operation failed (the message says why and what to do)
  2    usage error: unknown command or flag, invalid name or config, or a command not available yet
  3    Docker is not running, not reachable, or permission was denied on its socket
  4    not found: cluster, context or image
  130  interrupted (Ctrl-C); a create that was interrupted is rolled back

Environment:
  DOCKER_HOST       Docker engine to use: unix://, tcp:// (with DOCKER_TLS_VERIFY, DOCKER_CERT_PATH), ssh://
  DOCKER_CONTEXT    docker context to use when DOCKER_HOST is not set (else ~/.docker's current context)
  KUBECONFIG        kubeconfig files, as kubectl reads them
  PADDOCK_HOME      Paddock's data folder (default ~/.local/share/paddock)
`;

export function buildProgram(): Command {
  const program = new Command();
  let root: Command = program;
  const env = makeEnv(() => globalFlags(root), async () => (await import('../core/index.js')).createDefaultCore({ dockerContext: globalFlags(root).dockerContext }));
  program
    .name('paddock')
    .description('Real Kubernetes clusters on your machine, each node a Docker container bootstrapped with kubeadm.')
    .version(PADDOCK_VERSION, '--version', 'print the version')
    .addOption(new Option('-o, --output <format>', 'output format of listings').choices(['table', 'json']).default('table'))
    .option('-q, --quiet', 'print only errors', false)
    .option('-v, --verbose', 'print log lines of long jobs and stack traces of errors', false)
    .option('--docker-context <name>', 'use the Docker engine of this docker context (default: DOCKER_HOST, then the current docker context)')
    .addHelpText('after', EXIT_CODES_HELP)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });
  program.hook('preAction', (_this, actionCommand) => {
    root = actionCommand;
  });

  registerClusterCommands(program, env);
  registerNodeImageCommands(program, env);
  registerAddonCommands(program, env);
  registerContextCommands(program, env);
  registerForwardCommands(program, env);
  registerProxyCommand(program, env);
  registerUiCommand(program, env);
  registerWorkloadCommands(program, env);
  registerMiscCommands(program, env);
  // Every subcommand fails fast on unknown input and shares the exit-code help.
  const harden = (cmd: Command) => {
    cmd.exitOverride().showSuggestionAfterError(true);
    cmd.commands.forEach(harden);
  };
  program.commands.forEach(harden);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCodes.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and --version end here with code 0; parse errors were printed by commander.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCodes.OK;
      if (e.code === 'commander.executeSubCommandAsync') return ExitCodes.OK;
      return ExitCodes.USAGE;
    }
    const err = toPaddockError(e);
    const verbose = argv.includes('-v') || argv.includes('--verbose');
    process.stderr.write(`error: ${err.message}\n`);
    if (err.output) {
      const tail = err.output.trimEnd().split('\n').slice(verbose ? -200 : -20);
      process.stderr.write(tail.map((l) => `  | ${l}`).join('\n') + '\n');
    }
    if (err.remedy) process.stderr.write(`  → ${err.remedy}\n`);
    if (verbose && err.cause instanceof Error && err.cause.stack) process.stderr.write(err.cause.stack + '\n');
    else if (verbose && err.code === 'INTERNAL' && err.stack) process.stderr.write(err.stack + '\n');
    return exitCodeFor(err.code);
  }
}
