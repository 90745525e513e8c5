/** node-image, addons, context, dashboard, doctor, version. */
import { Option, type Command } from 'commander';
import { contextNameFor, DEFAULT_CLUSTER_NAME } from '../../shared/names.js';
import { openBrowser } from '../../server/open-browser.js';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import type { ContextInfo } from '../../shared/api.js';
import type { CliEnv } from '../env.js';
import { printList } from '../output.js';

function mib(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MB`;
}

export function registerNodeImageCommands(program: Command, env: CliEnv): void {
  const ni = program.command('node-image').description('pull, build, list and remove node images');
  ni.command('build')
    .description('build a node image from source (Go modules + Debian packages), offline; cached by input hash')
    .option('--kubernetes <version>', 'Kubernetes version, e.g. v1.36.3')
    .option('--name <image>', 'image name (default paddock/node:<version>)')
    .action(async (o: { kubernetes?: string; name?: string }) => {
      const img = await env.call('buildNodeImage', { kubernetesVersion: o.kubernetes, name: o.name });
      if (env.flags().output === 'json') process.stdout.write(JSON.stringify(img, null, 2) + '\n');
      else process.stdout.write(`${img.name}  ${mib(img.sizeBytes)}  ${img.digest ?? img.id}\n`);
    });
  ni.command('pull')
    .description('pull the pinned upstream node image (kindest/node, by digest) for a version and tag it paddock/node:<version>')
    .option('--kubernetes <version>', 'Kubernetes version with a pin, e.g. v1.36.4 (default: the pin closest to the default version)')
    .action(async (o: { kubernetes?: string }) => {
      const img = await env.call('pullNodeImage', { kubernetesVersion: o.kubernetes });
      if (env.flags().output === 'json') process.stdout.write(JSON.stringify(img, null, 2) + '\n');
      else process.stdout.write(`${img.name}  Kubernetes ${img.kubernetesVersion}  ${mib(img.sizeBytes)}  ${img.digest ?? img.id}\n`);
    });
  ni.command('list')
    .alias('ls')
    .description('list node images on this Docker engine')
    .action(async () => {
      const { images } = await env.call('listNodeImages', {});
      printList(
        env.flags().output,
        images,
        [
          { header: 'IMAGE', value: (i) => i.name },
          { header: 'KUBERNETES', value: (i) => i.kubernetesVersion },
          { header: 'SIZE', value: (i) => mib(i.sizeBytes) },
          { header: 'ID', value: (i) => i.id.replace(/^sha256:/, '').slice(0, 12) },
          { header: 'CREATED', value: (i) => i.created },
        ],
        'No node images. Pull one with `paddock node-image pull` or build one with `paddock node-image build`.',
      );
    });
  ni.command('rm')
    .description('remove a node image')
    .argument('<image>', 'image name or ID')
    .action(async (ref: string) => {
      await env.call('removeNodeImage', { ref });
      env.say(`Removed ${ref}.`);
    });
}

export function registerAddonCommands(program: Command, env: CliEnv): void {
  const addons = program.command('addons').description('list, enable and disable cluster addons (dns, storage, ingress, …)');
  addons
    .command('list')
    .option('-c, --cluster <name>', 'cluster', DEFAULT_CLUSTER_NAME)
    .description('list addons with their state and health')
    .action(async (o: { cluster: string }) => {
      const { addons: list } = await env.call('listAddons', { name: o.cluster });
      printList(
        env.flags().output,
        list,
        [
          { header: 'ADDON', value: (a) => a.name },
          { header: 'ENABLED', value: (a) => (a.enabled ? 'yes' : 'no') },
          { header: 'HEALTH', value: (a) => a.health },
          { header: 'VERSION', value: (a) => a.version },
          { header: 'DESCRIPTION', value: (a) => a.description },
        ],
        'No addons.',
      );
    });
  addons
    .command('enable')
    .argument('<addon>')
    .option('-c, --cluster <name>', 'cluster', DEFAULT_CLUSTER_NAME)
    .option('--set <key=value...>', 'addon settings')
    .description('enable an addon')
    .action(async (addon: string, o: { cluster: string; set?: string[] }) => {
      const settings = Object.fromEntries((o.set ?? []).map((kv) => {
        const i = kv.indexOf('=');
        if (i <= 0) throw new PaddockError(ErrorCodes.USAGE, `--set takes key=value, got "${kv}"`);
        return [kv.slice(0, i), kv.slice(i + 1)];
      }));
      const a = await env.call('enableAddon', { name: o.cluster, addon, settings });
      env.say(`Addon ${a.name} enabled (${a.health}).${a.usage ? `\n${a.usage}` : ''}`);
    });
  addons
    .command('status')
    .argument('<addon>')
    .option('-c, --cluster <name>', 'cluster', DEFAULT_CLUSTER_NAME)
    .description("an addon's state, every health check (DNS resolves from a pod, …) and how to use it")
    .action(async (addon: string, o: { cluster: string }) => {
      const { addons: [a] } = await env.call('listAddons', { name: o.cluster, addon });
      if (env.flags().output === 'json') return void process.stdout.write(JSON.stringify(a, null, 2) + '\n');
      if (!a) return;
      env.say(`${a.name} ${a.version}: ${a.enabled ? 'enabled' : 'disabled'}, ${a.health}${a.status ? `\n${a.status}` : ''}${a.enabled && a.usage ? `\n\n${a.usage}` : ''}`);
    });
  addons
    .command('disable')
    .argument('<addon>')
    .option('-c, --cluster <name>', 'cluster', DEFAULT_CLUSTER_NAME)
    .description('disable an addon and remove what it owns')
    .action(async (addon: string, o: { cluster: string }) => {
      await env.call('disableAddon', { name: o.cluster, addon });
      env.say(`Addon ${addon} disabled.`);
    });
}

export function registerContextCommands(program: Command, env: CliEnv): void {
  const ctx = program.command('context').description("list and switch kubeconfig contexts (kubectl's files, merged safely)");
  ctx.command('list')
    .alias('ls')
    .description('list contexts of every kubeconfig file ($KUBECONFIG or ~/.kube/config); no cluster is contacted unless --probe')
    .option('--probe', "contact every context's cluster (in parallel, ≤ 3 s in all): ok / unauthorized / forbidden / unreachable / timeout, the reason and the server version")
    .action(async (o: { probe?: boolean }) => {
      const started = Date.now();
      const { contexts } = await env.call('listContexts', { probe: o.probe === true });
      const probed = [
        { header: 'STATE', value: (c: ContextInfo) => c.probe?.state ?? '' },
        { header: 'VERSION', value: (c: ContextInfo) => c.probe?.version ?? '' },
        { header: 'MS', value: (c: ContextInfo) => (c.probe ? String(c.probe.ms) : '') },
        { header: 'REASON', value: (c: ContextInfo) => c.probe?.reason ?? '' },
      ];
      printList(
        env.flags().output,
        contexts,
        [
          { header: 'CURRENT', value: (c) => (c.current ? '*' : '') },
          { header: 'NAME', value: (c) => c.name },
          { header: 'CLUSTER', value: (c) => c.cluster },
          { header: 'NAMESPACE', value: (c) => c.namespace ?? '' },
          ...(o.probe ? probed : [{ header: 'FILE', value: (c: ContextInfo) => c.file }]),
        ],
        'No contexts in your kubeconfig.',
      );
      if (o.probe) env.say(`Probed ${contexts.length} context(s) in ${Date.now() - started} ms.`);
    });
  ctx.command('use').argument('<context>').description('make a context current').action(async (name: string) => {
    await env.call('useContext', { name });
    env.say(`Switched to context "${name}".`);
  });
  ctx.command('rename').argument('<from>').argument('<to>').description('rename a context').action(async (from: string, to: string) => {
    await env.call('renameContext', { from, to });
    env.say(`Context "${from}" renamed to "${to}".`);
  });
  ctx.command('delete').argument('<context>').description('delete a context (and its cluster/user entries when nothing else uses them)').action(async (name: string) => {
    await env.call('deleteContext', { name });
    env.say(`Deleted context "${name}".`);
  });
  ctx.command('namespace')
    .argument('[namespace]', 'namespace to make the default (omit to list namespaces)')
    .option('--context <context>', 'context (default: the current one)')
    .description("set the current context's default namespace, or list namespaces")
    .action(async (ns: string | undefined, o: { context?: string }) => {
      const contexts = await env.call('listContexts', {});
      const context = o.context ?? contexts.currentContext;
      if (!context) throw new PaddockError(ErrorCodes.CONTEXT_NOT_FOUND, 'no current context', { remedy: 'pick one with `paddock context use NAME` or pass --context' });
      if (ns === undefined) {
        const { namespaces } = await env.call('listNamespaces', { context });
        const current = contexts.contexts.find((c) => c.name === context)?.namespace ?? 'default';
        printList(env.flags().output, namespaces, [{ header: 'NAMESPACE', value: (n) => (n === current ? `${n} (current)` : n) }], 'No namespaces.');
        return;
      }
      await env.call('setContextNamespace', { context, namespace: ns });
      env.say(`Context "${context}" now uses namespace "${ns}".`);
    });
}

export function registerMiscCommands(program: Command, env: CliEnv): void {
  program
    .command('dashboard')
    .description('open Headlamp (the dashboard addon) through a local forward, with a short-lived token; held until Ctrl-C')
    .addOption(new Option('-c, --cluster <name>', 'a Paddock cluster (its context paddock-<name>)').conflicts('context'))
    .option('--context <context>', 'any kubeconfig context (default: the current one)')
    .option('--no-open', 'print the URL, do not open a browser')
    .action(async (o: { cluster?: string; context?: string; open: boolean }) => {
      const { contexts, currentContext } = await env.call('listContexts', {});
      const context = o.context ?? (o.cluster ? contextNameFor(o.cluster) : currentContext);
      if (!context) throw new PaddockError(ErrorCodes.CONTEXT_NOT_FOUND, 'no current context', { remedy: 'pass --cluster NAME or --context CTX' });
      const known = contexts.find((c) => c.name === context);
      if (!known) {
        throw new PaddockError(o.cluster ? ErrorCodes.CLUSTER_NOT_FOUND : ErrorCodes.CONTEXT_NOT_FOUND, o.cluster ? `no context for cluster "${o.cluster}" (looked for "${context}")` : `no context named "${context}"`, {
          remedy: 'see `paddock list` and `paddock context list`',
        });
      }
      const d = await env.call('openDashboard', { context, kubeconfig: known.file });
      if (env.flags().output === 'json') process.stdout.write(JSON.stringify(d, null, 2) + '\n');
      else process.stdout.write(`${d.url}\n${d.token}\n`);
      env.say(`Headlamp (context ${context}) at ${d.url}: sign in with the token above (valid until ${d.expiresAt}).`);
      if (o.open && !(await openBrowser(d.url))) env.say('No browser could be opened: open the URL above yourself.');
      env.say('Forwarding; press Ctrl-C to stop.');
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void env.call('stopForward', { id: d.forwardId }).catch(() => undefined).finally(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });

  program
    .command('doctor')
    .description('check this machine for what clusters need: Docker, cgroups, memory, disk, inotify, privileged containers')
    .action(async () => {
      const { checks } = await env.call('doctor', {});
      if (env.flags().output === 'json') {
        process.stdout.write(JSON.stringify(checks, null, 2) + '\n');
      } else {
        const mark = { ok: '✓', warn: '!', fail: '✗', info: '·' } as const;
        for (const c of checks) {
          process.stdout.write(`${mark[c.verdict]} ${c.title.padEnd(22)} ${c.verdict.toUpperCase().padEnd(5)} ${c.detail}\n`);
          if (c.remedy && c.verdict !== 'ok') process.stdout.write(`  ${''.padEnd(22)}       → ${c.remedy}\n`);
        }
      }
      if (checks.some((c) => c.verdict === 'fail')) process.exitCode = 1;
    });

  program
    .command('version')
    .description('print versions')
    .action(async () => {
      const v = await env.call('version', {});
      if (env.flags().output === 'json') process.stdout.write(JSON.stringify(v, null, 2) + '\n');
      else process.stdout.write(`paddock ${v.paddock} (node ${v.node}, default Kubernetes ${v.defaultKubernetes})\n`);
    });
}
