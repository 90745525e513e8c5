/**
 * `paddock forward …` and `paddock proxy`. A CLI process ends, so `forward
 * start` and `proxy` hold what they start in the foreground until Ctrl-C
 * (the GUI and tray hold forwards in their own process).
 */
import { Command, Option } from 'commander';
import type { ForwardInfo } from '../../shared/api.js';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { parsePorts, parseTarget, formatTarget } from '../../kube/forwards/target.js';
import type { CliEnv } from '../env.js';
import { printList } from '../output.js';

interface ContextFlags {
  cluster?: string;
  context?: string;
}

function contextOption(cmd: Command): Command {
  return cmd
    .addOption(new Option('-c, --cluster <name>', 'a Paddock cluster (its context paddock-<name>)').conflicts('context'))
    .option('--context <context>', 'any kubeconfig context (default: the current one)');
}

/** The context a command means, and its default namespace and file. */
async function pickContext(env: CliEnv, o: ContextFlags): Promise<{ context: string; namespace?: string; file: string }> {
  const { contexts, currentContext } = await env.call('listContexts', {});
  const name = o.context ?? (o.cluster ? `paddock-${o.cluster}` : currentContext);
  if (!name) throw new PaddockError(ErrorCodes.CONTEXT_NOT_FOUND, 'no current context', { remedy: 'pass --cluster NAME or --context CTX, or pick one with `paddock context use`' });
  const c = contexts.find((x) => x.name === name);
  if (!c) {
    if (o.cluster) throw new PaddockError(ErrorCodes.CLUSTER_NOT_FOUND, `no context for cluster "${o.cluster}" (looked for "${name}")`, { remedy: 'see `paddock list`; `paddock create` writes the context' });
    throw new PaddockError(ErrorCodes.CONTEXT_NOT_FOUND, `no context named "${name}"`, { remedy: `known contexts: ${contexts.map((x) => x.name).join(', ') || 'none'}` });
  }
  return { context: c.name, namespace: c.namespace, file: c.file };
}

function local(f: ForwardInfo): string {
  return `${f.localAddress.includes(':') ? `[${f.localAddress}]` : f.localAddress}:${f.localPort}`;
}

function stateText(f: ForwardInfo): string {
  if (f.state === 'connected') return 'connected';
  if (f.state === 'stopped' && f.local === false) return 'stopped';
  return f.reason ? `${f.state}: ${f.reason}` : f.state;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function printForwards(env: CliEnv, forwards: ForwardInfo[]): void {
  printList(
    env.flags().output,
    forwards,
    [
      { header: 'ID', value: (f) => f.id },
      { header: 'LOCAL', value: local },
      { header: 'TARGET', value: (f) => `${f.namespace}/${f.target}:${f.remotePort}` },
      { header: 'CONTEXT', value: (f) => f.context },
      { header: 'STATE', value: stateText },
      { header: 'POD', value: (f) => (f.pod ? `${f.pod}:${f.podPort ?? ''}` : '') },
      { header: 'PATH', value: (f) => (f.path === 'api' && f.pathReason ? `api (${f.pathReason})` : (f.path ?? '')) },
      { header: 'IN/OUT', value: (f) => (f.local ? `${bytes(f.bytesIn)}/${bytes(f.bytesOut)}` : '') },
      { header: 'CONNS', value: (f) => (f.local ? `${f.connections} (${f.connectionsTotal ?? f.connections})` : '') },
      { header: 'AUTO', value: (f) => (f.autoStart ? 'yes' : 'no') },
      { header: 'LAST ERROR', value: (f) => f.lastError ?? '' },
    ],
    'No forwards. Add one with `paddock forward add svc/NAME 8080:80 --cluster NAME`.',
  );
}

/** Waits for Ctrl-C or SIGTERM; resolves after `cleanup`. */
function untilInterrupted(cleanup: () => Promise<void>, tick?: () => Promise<void>, tickMs = 500): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const timer = tick
      ? setInterval(() => {
          if (!stopping) void tick().catch(() => undefined);
        }, tickMs)
      : undefined;
    const stop = () => {
      if (stopping) process.exit(130);
      stopping = true;
      if (timer) clearInterval(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void cleanup().finally(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function registerForwardCommands(program: Command, env: CliEnv): void {
  const fwd = program.command('forward').description('port-forwards that survive pod restarts and rollouts, saved and auto-started');

  contextOption(
    fwd
      .command('add')
      .description('save a forward (started by the GUI/tray, or `paddock forward start`)')
      .argument('<target>', 'pod/NAME, svc/NAME or deploy/NAME')
      .argument('<ports>', 'LOCAL:REMOTE, REMOTE, or :REMOTE / 0:REMOTE for any free local port (kept); REMOTE may be a port name'),
  )
    .option('-n, --namespace <ns>', "namespace (default: the context's, else default)")
    .option('--address <ip>', 'local address to listen on', '127.0.0.1')
    .option('--no-auto-start', 'do not start it when Paddock starts')
    .action(async (targetText: string, portsText: string, o: ContextFlags & { namespace?: string; address: string; autoStart: boolean }) => {
      const target = parseTarget(targetText);
      const ports = parsePorts(portsText);
      const ctx = await pickContext(env, o);
      const f = await env.call('addForward', {
        context: ctx.context,
        kubeconfig: ctx.file,
        namespace: o.namespace ?? ctx.namespace ?? 'default',
        target: formatTarget(target),
        localAddress: o.address,
        localPort: ports.local,
        remotePort: ports.remote,
        autoStart: o.autoStart,
      });
      if (env.flags().output === 'json') process.stdout.write(JSON.stringify(f, null, 2) + '\n');
      else process.stdout.write(`${f.id}\n`);
      env.say(`Forward ${f.id}: ${local(f)} → ${f.namespace}/${f.target}:${f.remotePort} (context ${f.context})${f.autoStart ? ', starts with Paddock' : ''}. Run it now with \`paddock forward start ${f.id}\`.`);
    });

  fwd
    .command('list')
    .alias('ls')
    .description('list forwards: state, local address, pod, bytes in/out, connections, last error')
    .action(async () => {
      const { forwards } = await env.call('listForwards', {});
      printForwards(env, forwards);
    });

  fwd
    .command('remove')
    .alias('rm')
    .argument('<id>')
    .description('remove a saved forward')
    .action(async (id: string) => {
      await env.call('removeForward', { id });
      env.say(`Removed forward ${id}.`);
    });

  fwd
    .command('start')
    .argument('[id]', 'the forward to start')
    .option('--all', 'start every saved forward')
    .description('start forwards and hold them in the foreground until Ctrl-C, printing state changes')
    .action(async (id: string | undefined, o: { all?: boolean }) => {
      if (!id && !o.all) throw new PaddockError(ErrorCodes.USAGE, 'say which forward to start', { remedy: 'pass an ID (see `paddock forward list`) or --all' });
      if (id && o.all) throw new PaddockError(ErrorCodes.USAGE, 'pass an ID or --all, not both');
      const started = id ? [await env.call('startForward', { id })] : (await env.call('startAllForwards', { autoStartOnly: false })).forwards;
      const held = started.filter((f) => f.local);
      for (const f of started) {
        if (f.local) env.say(`${f.id}: ${local(f)} → ${f.namespace}/${f.target}:${f.remotePort} — ${stateText(f)}`);
        else env.say(`${f.id}: not started: ${f.lastError ?? f.state}`);
      }
      if (held.length === 0) {
        if (started.length === 0) throw new PaddockError(ErrorCodes.USAGE, 'there are no saved forwards', { remedy: 'add one with `paddock forward add`' });
        throw new PaddockError(ErrorCodes.PORT_IN_USE, 'no forward could start', { remedy: 'see the reasons above' });
      }
      env.say('Forwarding; press Ctrl-C to stop.');
      const last = new Map(held.map((f) => [f.id, `${stateText(f)} ${f.pod ?? ''}`]));
      await untilInterrupted(
        async () => {
          await env.call('stopAllForwards', {});
          env.say('Stopped.');
        },
        async () => {
          const { forwards } = await env.call('listForwards', {});
          for (const f of forwards) {
            if (!f.local) continue;
            const s = stateText(f);
            const key = `${s} ${f.pod ?? ''}`;
            if (last.get(f.id) !== key) {
              last.set(f.id, key);
              process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${f.id}: ${s}${f.pod ? ` (pod ${f.pod})` : ''}\n`);
            }
          }
        },
      );
    });

  fwd
    .command('stop')
    .argument('[id]', 'the forward to stop')
    .option('--all', 'stop every running forward')
    .description('stop forwards, also those another process holds (the GUI, tray or a foreground `forward start` is asked to stop them)')
    .action(async (id: string | undefined, o: { all?: boolean }) => {
      if (!id && !o.all) throw new PaddockError(ErrorCodes.USAGE, 'say which forward to stop', { remedy: 'pass an ID or --all' });
      const ids = id ? [id] : (await env.call('listForwards', {})).forwards.filter((f) => f.local || f.heldBy !== undefined).map((f) => f.id);
      for (const i of ids) {
        const f = await env.call('stopForward', { id: i });
        env.say(`${f.id}: stopped`);
      }
      if (ids.length === 0) env.say('No forward is running.');
    });
}

export function registerProxyCommand(program: Command, env: CliEnv): void {
  contextOption(program.command('proxy').description("serve a context's API on 127.0.0.1 without credentials, like kubectl proxy (Host checked against DNS rebinding)"))
    .option('-p, --port <port>', 'local port (0: any free port)', '8001')
    .option('--address <ip>', 'local address', '127.0.0.1')
    .action(async (o: ContextFlags & { port: string; address: string }) => {
      if (!/^\d+$/.test(o.port) || Number(o.port) > 65535) throw new PaddockError(ErrorCodes.USAGE, `--port ${o.port} is not a port number`);
      const ctx = await pickContext(env, o);
      const p = await env.call('startProxy', { context: ctx.context, kubeconfig: ctx.file, address: o.address, port: Number(o.port) });
      process.stdout.write(`Starting to serve on ${p.url.replace(/^http:\/\//, '').replace(/\/$/, '')}\n`);
      env.say(`Serving the API of context ${p.context} at ${p.url} (Ctrl-C to stop).`);
      await untilInterrupted(async () => {
        await env.call('stopProxy', { id: p.id });
      });
    });
}
