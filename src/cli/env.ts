/**
 * What every CLI command gets: the global flags, the core behind the
 * contract, and `call`, which validates input with the op's schema, renders
 * progress for jobs and turns Ctrl-C into a cancellation.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { api, type ApiHandlers, type OpInput, type OpName, type OpOutput } from '../shared/api.js';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { ProgressRenderer } from './progress-renderer.js';
import type { OutputFormat } from './output.js';

export interface GlobalFlags {
  output: OutputFormat;
  quiet: boolean;
  verbose: boolean;
  /** --docker-context: the docker context whose engine to use. */
  dockerContext?: string;
}

export interface CliEnv {
  flags: () => GlobalFlags;
  core: () => Promise<ApiHandlers>;
  call<N extends OpName>(name: N, input: OpInput<N>): Promise<OpOutput<N>>;
  say(line: string): void;
}

export function globalFlags(cmd: Command): GlobalFlags {
  const o = cmd.optsWithGlobals() as { output?: string; quiet?: boolean; verbose?: boolean; dockerContext?: string };
  const output = o.output === 'json' ? 'json' : 'table';
  return { output, quiet: !!o.quiet, verbose: !!o.verbose, ...(o.dockerContext ? { dockerContext: o.dockerContext } : {}) };
}

export function makeEnv(getFlags: () => GlobalFlags, loadCore: () => Promise<ApiHandlers>): CliEnv {
  let corePromise: Promise<ApiHandlers> | undefined;
  const core = () => (corePromise ??= loadCore());
  return {
    flags: getFlags,
    core,
    say(line: string) {
      if (!getFlags().quiet) process.stderr.write(line + '\n');
    },
    async call(name, input) {
      const spec = api[name];
      const parsed = spec.input.safeParse(input);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        if (first?.path[0] === 'name' && first.code === 'custom') {
          throw new PaddockError(ErrorCodes.INVALID_NAME, first.message, { remedy: 'choose a name like "dev" or "my-cluster-2"' });
        }
        const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
        throw new PaddockError(ErrorCodes.USAGE, `invalid arguments: ${issues}`);
      }
      const flags = getFlags();
      const renderer = new ProgressRenderer({ tty: !!process.stderr.isTTY, verbose: flags.verbose, quiet: flags.quiet || flags.output === 'json' });
      const controller = new AbortController();
      let interrupts = 0;
      const onSigint = () => {
        interrupts++;
        if (interrupts > 1) process.exit(130);
        process.stderr.write('\ninterrupted: cleaning up (Ctrl-C again to quit at once)\n');
        controller.abort(new PaddockError(ErrorCodes.CANCELLED, 'cancelled by the user'));
      };
      if (spec.job) {
        process.on('SIGINT', onSigint);
        process.on('SIGTERM', onSigint);
      }
      try {
        const handlers = await core();
        const handler = handlers[name] as (i: unknown, c: unknown) => Promise<OpOutput<typeof name>>;
        return await handler(parsed.data, { progress: renderer.sink, signal: controller.signal, opId: randomUUID() });
      } finally {
        renderer.close();
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
      }
    },
  };
}
