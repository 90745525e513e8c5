/**
 * `paddock workloads …` (alias `wl`): a small kubectl-like subset over the
 * same core functions as the GUI's Workloads and Nodes screens, for any
 * kubeconfig context (--context CTX) or a Paddock cluster (--cluster NAME).
 * `logs -f` and `exec` stream in this process (the CLI has no push bus), with
 * the same src/kube modules the core uses.
 */
import { Command, Option } from 'commander';
import type { ResourceKind } from '../../shared/api.js';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import type { CliEnv } from '../env.js';
import { printList } from '../output.js';

interface Flags {
  cluster?: string;
  context?: string;
  namespace?: string;
}

const KINDS: Record<string, ResourceKind> = {};
for (const [kind, aliases] of Object.entries({
  Deployment: ['deploy', 'deployment', 'deployments'],
  StatefulSet: ['sts', 'statefulset', 'statefulsets'],
  DaemonSet: ['ds', 'daemonset', 'daemonsets'],
  ReplicaSet: ['rs', 'replicaset', 'replicasets'],
  Pod: ['po', 'pod', 'pods'],
  Service: ['svc', 'service', 'services'],
  Ingress: ['ing', 'ingress', 'ingresses'],
  ConfigMap: ['cm', 'configmap', 'configmaps'],
  Secret: ['secret', 'secrets'],
  PersistentVolumeClaim: ['pvc', 'persistentvolumeclaim', 'persistentvolumeclaims'],
  PersistentVolume: ['pv', 'persistentvolume', 'persistentvolumes'],
  StorageClass: ['sc', 'storageclass', 'storageclasses'],
  HorizontalPodAutoscaler: ['hpa', 'horizontalpodautoscaler', 'horizontalpodautoscalers'],
  Event: ['ev', 'event', 'events'],
  Node: ['no', 'node', 'nodes'],
})) {
  for (const a of aliases) KINDS[a] = kind as ResourceKind;
}

export function kindOf(text: string): ResourceKind {
  const k = KINDS[text.toLowerCase()];
  if (!k) throw new PaddockError(ErrorCodes.USAGE, `unknown kind "${text}"`, { remedy: `one of: ${Object.keys(KINDS).filter((a) => !a.endsWith('s') || a === 'ds' || a === 'sts').join(', ')}` });
  return k;
}

/** KIND/NAME of a workload that rolls out (deploy/web, sts/db, ds/agent). */
export function workloadRef(text: string): { kind: 'Deployment' | 'StatefulSet' | 'DaemonSet'; name: string } {
  const [k, name] = text.split('/');
  const kind = k && name ? kindOf(k) : undefined;
  if (!kind || !name || (kind !== 'Deployment' && kind !== 'StatefulSet' && kind !== 'DaemonSet')) {
    throw new PaddockError(ErrorCodes.USAGE, `"${text}" is not a workload`, { remedy: 'write deploy/NAME, sts/NAME or ds/NAME' });
  }
  return { kind, name };
}

function withContext(cmd: Command, namespaced = true): Command {
  cmd.addOption(new Option('--cluster <name>', 'a Paddock cluster (its context paddock-<name>)').conflicts('context')).option('--context <context>', 'any kubeconfig context (default: the current one)');
  if (namespaced) cmd.option('-n, --namespace <ns>', "namespace (default: the context's, else default)");
  return cmd;
}

async function target(env: CliEnv, o: Flags): Promise<{ context: string; namespace: string }> {
  const { contexts, currentContext } = await env.call('listContexts', {});
  const name = o.context ?? (o.cluster ? `paddock-${o.cluster}` : currentContext);
  if (!name) throw new PaddockError(ErrorCodes.CONTEXT_NOT_FOUND, 'no current context', { remedy: 'pass --cluster NAME or --context CTX, or pick one with `paddock context use`' });
  const c = contexts.find((x) => x.name === name);
  if (!c) {
    if (o.cluster) throw new PaddockError(ErrorCodes.CLUSTER_NOT_FOUND, `no context for cluster "${o.cluster}" (looked for "${name}")`, { remedy: 'see `paddock list`' });
    throw new PaddockError(ErrorCodes.CONTEXT_NOT_FOUND, `no context named "${name}"`, { remedy: `known contexts: ${contexts.map((x) => x.name).join(', ') || 'none'}` });
  }
  return { context: c.name, namespace: o.namespace ?? c.namespace ?? 'default' };
}

function age(iso: string | undefined): string {
  if (!iso) return '';
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 120) return `${Math.floor(s)}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

export function registerWorkloadCommands(program: Command, env: CliEnv): void {
  const wl = program.command('workloads').alias('wl').description('look inside a cluster: get, logs, exec, scale, rollout, cordon, drain, node labels/taints, health (any context)');

  withContext(wl.command('get <kind>').description('list objects of a kind (deploy, sts, ds, po, svc, cm, secret, pvc, no, ev …)').option('-A, --all-namespaces', 'every namespace')).action(
    async (kindText: string, o: Flags & { allNamespaces?: boolean }) => {
      const kind = kindOf(kindText);
      const t = await target(env, o);
      const list = await env.call('listResources', { context: t.context, kind, ...(o.allNamespaces ? {} : { namespace: t.namespace }) });
      const showNs = o.allNamespaces && list.rows.some((r) => r.namespace);
      printList(
        env.flags().output,
        list.rows,
        [
          ...(showNs ? [{ header: 'NAMESPACE', value: (r: (typeof list.rows)[number]) => r.namespace ?? '' }] : []),
          { header: 'NAME', value: (r) => r.name },
          { header: 'STATUS', value: (r) => r.status },
          ...list.columns.map((c) => ({ header: c.label.toUpperCase(), value: (r: (typeof list.rows)[number]) => r.cells[c.id] ?? '' })),
          { header: 'AGE', value: (r) => age(r.created) },
        ],
        `No ${kind} objects${o.allNamespaces ? '' : ` in namespace ${t.namespace}`}.`,
        list.rows,
      );
    },
  );

  withContext(
    wl
      .command('logs <pod>')
      .description("print a pod's log; -f follows it")
      .option('-c, --container <name>', 'container (default: the first)')
      .option('-p, --previous', 'the previous (crashed) container')
      .option('--tail <lines>', 'last lines', (v) => Number(v))
      .option('-f, --follow', 'keep printing new lines until Ctrl-C'),
  ).action(async (pod: string, o: Flags & { container?: string; previous?: boolean; tail?: number; follow?: boolean }) => {
    const t = await target(env, o);
    if (!o.follow) {
      const r = await env.call('podLogs', { context: t.context, namespace: t.namespace, pod, ...(o.container ? { container: o.container } : {}), ...(o.previous ? { previous: true } : {}), ...(o.tail ? { tailLines: o.tail } : {}) });
      process.stdout.write(r.text);
      return;
    }
    const { connect, streamGet } = await import('../../kube/resources/http.js');
    const conn = await connect(t.context);
    const q = new URLSearchParams({ follow: 'true', tailLines: String(o.tail ?? 1000) });
    if (o.container) q.set('container', o.container);
    const ac = new AbortController();
    process.once('SIGINT', () => ac.abort());
    await streamGet(conn, `/api/v1/namespaces/${encodeURIComponent(t.namespace)}/pods/${encodeURIComponent(pod)}/log?${q}`, (text) => process.stdout.write(text), ac.signal);
  });

  withContext(
    wl
      .command('exec <pod> [command...]')
      .description('run a command in a container (default: a shell); a terminal when stdin is one')
      .option('-c, --container <name>', 'container (default: the first)'),
  ).action(async (pod: string, command: string[], o: Flags & { container?: string }) => {
    const t = await target(env, o);
    const { connect } = await import('../../kube/resources/http.js');
    const { openExec } = await import('../../kube/resources/exec.js');
    const conn = await connect(t.context);
    const tty = !!process.stdin.isTTY && !!process.stdout.isTTY;
    const cmd = command.length ? command : ['sh', '-c', 'command -v bash >/dev/null 2>&1 && exec bash; exec sh'];
    const s = openExec(conn, { namespace: t.namespace, pod, ...(o.container ? { container: o.container } : {}), command: cmd, tty, stdin: true, cols: process.stdout.columns, rows: process.stdout.rows });
    s.onOutput((text, ch) => (ch === 2 ? process.stderr : process.stdout).write(text));
    const ended = new Promise<{ exitCode?: number; error?: string }>((resolve) => s.onEnd(resolve));
    await s.opened;
    const onResize = () => s.resize(process.stdout.columns, process.stdout.rows);
    if (tty) {
      process.stdin.setRawMode(true);
      process.stdout.on('resize', onResize);
    }
    const onData = (b: Buffer) => s.write(b);
    process.stdin.on('data', onData);
    process.stdin.once('end', () => s.endInput());
    const end = await ended;
    process.stdin.off('data', onData);
    process.stdout.off('resize', onResize);
    if (tty) process.stdin.setRawMode(false);
    process.stdin.pause();
    if (end.error) throw new PaddockError(ErrorCodes.INTERNAL, end.error);
    process.exitCode = end.exitCode ?? 0;
  });

  withContext(wl.command('scale <workload>').description('set the replicas of deploy/NAME or sts/NAME').requiredOption('--replicas <n>', 'replica count', (v) => Number(v))).action(
    async (ref: string, o: Flags & { replicas: number }) => {
      const t = await target(env, o);
      const w = workloadRef(ref);
      await env.call('scaleWorkload', { context: t.context, namespace: t.namespace, ...w, replicas: o.replicas });
      env.say(`${ref} scaled to ${o.replicas}`);
    },
  );

  const rollout = wl.command('rollout').description('rollout history, undo and restart of Deployments, StatefulSets and DaemonSets');
  withContext(rollout.command('history <workload>').description('revisions with their images')).action(async (ref: string, o: Flags) => {
    const t = await target(env, o);
    const { revisions } = await env.call('rolloutHistory', { context: t.context, namespace: t.namespace, ...workloadRef(ref) });
    printList(
      env.flags().output,
      revisions,
      [
        { header: 'REVISION', value: (r) => String(r.revision) },
        { header: 'CURRENT', value: (r) => (r.current ? '*' : '') },
        { header: 'IMAGES', value: (r) => r.images.join(',') },
        { header: 'AGE', value: (r) => age(r.created) },
        { header: 'CHANGE-CAUSE', value: (r) => r.changeCause ?? '' },
      ],
      'No revisions.',
    );
  });
  withContext(rollout.command('undo <workload>').description('back to the previous revision, or --to-revision N').option('--to-revision <n>', 'revision', (v) => Number(v))).action(
    async (ref: string, o: Flags & { toRevision?: number }) => {
      const t = await target(env, o);
      const r = await env.call('rolloutUndo', { context: t.context, namespace: t.namespace, ...workloadRef(ref), ...(o.toRevision ? { revision: o.toRevision } : {}) });
      env.say(`${ref} rolled back to revision ${r.revision}`);
    },
  );
  withContext(rollout.command('restart <workload>').description('replace the pods one by one')).action(async (ref: string, o: Flags) => {
    const t = await target(env, o);
    await env.call('rolloutRestart', { context: t.context, namespace: t.namespace, ...workloadRef(ref) });
    env.say(`${ref} restarted`);
  });

  for (const [verb, unschedulable] of [
    ['cordon', true],
    ['uncordon', false],
  ] as const) {
    withContext(wl.command(`${verb} <node>`).description(unschedulable ? 'no new pods on the node' : 'allow new pods on the node again'), false).action(async (node: string, o: Flags) => {
      const t = await target(env, o);
      await env.call('cordonNode', { context: t.context, node, unschedulable });
      env.say(`${node} ${verb}ed`);
    });
  }

  withContext(
    wl
      .command('drain <node>')
      .description('cordon, then evict every pod (PodDisruptionBudgets respected, DaemonSet and static pods ignored)')
      .option('--force', 'evict pods without a controller too')
      .option('--timeout <seconds>', 'give up after', (v) => Number(v)),
    false,
  ).action(async (node: string, o: Flags & { force?: boolean; timeout?: number }) => {
    const t = await target(env, o);
    const r = await env.call('drainNode', { context: t.context, node, ...(o.force ? { force: true } : {}), ...(o.timeout ? { timeoutSeconds: o.timeout } : {}) });
    if (env.flags().output === 'json') process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else env.say(`${node} drained: ${r.evicted.length} pod(s) evicted, ${r.ignored.length} ignored`);
  });

  withContext(
    wl
      .command('node-meta <node> [changes...]')
      .description('show or change node labels and taints: key=value sets a label, key- removes it; --taint key[=value]:Effect adds, --untaint key removes')
      .option('--taint <taint...>', 'add taints (key[=value]:NoSchedule|PreferNoSchedule|NoExecute)')
      .option('--untaint <key...>', 'remove every taint with this key'),
    false,
  ).action(async (node: string, changes: string[], o: Flags & { taint?: string[]; untaint?: string[] }) => {
    const t = await target(env, o);
    const labels: Record<string, string | null> = {};
    for (const c of changes) {
      if (c.endsWith('-') && !c.includes('=')) labels[c.slice(0, -1)] = null;
      else if (c.includes('=')) labels[c.slice(0, c.indexOf('='))] = c.slice(c.indexOf('=') + 1);
      else throw new PaddockError(ErrorCodes.USAGE, `"${c}" is neither key=value nor key-`);
    }
    let meta = await env.call('getNodeMeta', { context: t.context, node });
    if (Object.keys(labels).length || o.taint || o.untaint) {
      const added = (o.taint ?? []).map((x) => {
        const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(x);
        if (!m) throw new PaddockError(ErrorCodes.USAGE, `"${x}" is not a taint`, { remedy: 'write key[=value]:NoSchedule (or PreferNoSchedule, NoExecute)' });
        return { key: m[1]!, effect: m[3] as 'NoSchedule', ...(m[2] ? { value: m[2] } : {}) };
      });
      const taints = o.taint || o.untaint ? [...meta.taints.filter((x) => !(o.untaint ?? []).includes(x.key)), ...added] : undefined;
      meta = await env.call('setNodeMeta', { context: t.context, node, labels, ...(taints ? { taints } : {}) });
    }
    if (env.flags().output === 'json') return void process.stdout.write(JSON.stringify(meta, null, 2) + '\n');
    process.stdout.write(`Labels:\n${Object.entries(meta.labels).map(([k, v]) => `  ${k}=${v}`).join('\n')}\nTaints:\n${meta.taints.map((x) => `  ${x.key}${x.value ? `=${x.value}` : ''}:${x.effect}`).join('\n') || '  none'}\n`);
  });

  withContext(wl.command('health').description('control plane: /livez, /readyz, static pods, etcd members, certificate expiry, versions'), false).action(async (o: Flags) => {
    const t = await target(env, o);
    const [h, d] = await Promise.all([env.call('controlPlaneHealth', { context: t.context }), env.call('clusterHealthDetails', { context: t.context })]);
    if (env.flags().output === 'json') return void process.stdout.write(JSON.stringify({ ...h, ...d }, null, 2) + '\n');
    const out: string[] = [];
    for (const c of h.checks) out.push(`${c.ok ? '✓' : '✗'} ${c.path}: ${c.detail}`);
    out.push('', 'Static pods:');
    for (const p of h.staticPods) out.push(`  ${p.component.padEnd(24)} ${p.node.padEnd(28)} ${p.status} (${p.restarts} restarts)`);
    out.push('', `etcd members (${d.etcd.source}):`);
    if (d.etcd.reason) out.push(`  ${d.etcd.reason}`);
    for (const m of d.etcd.members) out.push(`  ${m.healthy ? '✓' : '✗'} ${m.name.padEnd(28)} ${m.version ?? ''}${m.leader ? ' leader' : ''}  ${m.detail}`);
    out.push('', `Certificates (${d.certificates.source}):`);
    if (d.certificates.reason) out.push(`  ${d.certificates.reason}`);
    for (const c of d.certificates.certs) out.push(`  ${c.name.padEnd(28)} ${(c.node ?? '').padEnd(28)} ${c.expires.slice(0, 10)}  ${c.residualDays}d`);
    out.push('', 'Versions:');
    for (const c of d.components) out.push(`  ${c.name}${c.node ? ` @ ${c.node}` : ''}: ${c.version}`);
    process.stdout.write(out.join('\n') + '\n');
  });
}
