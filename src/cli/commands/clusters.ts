import fs from 'node:fs/promises';
import type { Command } from 'commander';
import type { ClusterSummary } from '../../shared/api.js';
import { DEFAULT_CLUSTER_NAME } from '../../shared/names.js';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import type { CliEnv } from '../env.js';
import { printList } from '../output.js';
import { parseCount, parseDuration } from '../parse.js';

function nodesText(c: ClusterSummary): string {
  const cps = c.nodes.filter((n) => n.role === 'control-plane').length;
  const workers = c.nodes.filter((n) => n.role === 'worker').length;
  return `${cps} control-plane${cps === 1 ? '' : 's'}, ${workers} worker${workers === 1 ? '' : 's'}`;
}

export function printClusterDetails(c: ClusterSummary): void {
  const lines = [
    `Cluster:     ${c.name}`,
    `Status:      ${c.status}${c.reason ? ` (${c.reason})` : ''}`,
    `Kubernetes:  ${c.kubernetesVersion ?? 'unknown'}`,
    `API server:  ${c.apiServer ? `https://${c.apiServer.host}:${c.apiServer.port}` : 'unknown'}`,
    `Context:     ${c.context}`,
    `Nodes:`,
    ...c.nodes.map((n) => `  ${n.name.padEnd(32)} ${n.role.padEnd(14)} ${n.status.padEnd(8)} ${n.ip ?? ''}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

export function registerClusterCommands(program: Command, env: CliEnv): void {
  program
    .command('create')
    .description('create a cluster whose nodes are Docker containers bootstrapped with kubeadm')
    .option('-n, --name <name>', 'cluster name (DNS label, at most 40 characters)', DEFAULT_CLUSTER_NAME)
    .option('--control-planes <n>', 'control-plane nodes (more than one adds a load balancer)', parseCount(1, 7))
    .option('--workers <n>', 'worker nodes', parseCount(0, 20))
    .option('--kubernetes <version>', 'Kubernetes version, e.g. v1.36.3')
    .option('--image <image>', 'node image to use instead of the default for the version')
    .option('--config <file>', "cluster config: a kind 'kind.x-k8s.io/v1alpha4' Cluster file or Paddock's own")
    .option('--wait <duration>', 'wait until nodes and CoreDNS are ready (e.g. 60s, 5m; 0 = do not wait)', parseDuration)
    .option('--retain', 'keep the nodes of a failed create, to debug it', false)
    .option('--no-pull', 'never pull the node image: use a local one or build it (also PADDOCK_NODE_IMAGE_PULL=never)')
    .action(async (o: { name: string; controlPlanes?: number; workers?: number; kubernetes?: string; image?: string; config?: string; wait?: number; retain: boolean; pull: boolean }) => {
      let config: string | undefined;
      if (o.config) {
        try {
          config = await fs.readFile(o.config, 'utf8');
        } catch (e) {
          throw new PaddockError(ErrorCodes.INVALID_CONFIG, `cannot read config file ${o.config}: ${(e as Error).message}`);
        }
      }
      const c = await env.call('createCluster', {
        name: o.name,
        controlPlanes: o.controlPlanes,
        workers: o.workers,
        kubernetesVersion: o.kubernetes,
        image: o.image,
        config,
        configPath: o.config,
        waitSeconds: o.wait,
        retain: o.retain,
        ...(o.pull === false ? { noPull: true } : {}),
      });
      if (env.flags().output === 'json') process.stdout.write(JSON.stringify(c, null, 2) + '\n');
      else {
        process.stdout.write(`Cluster "${c.name}" is ready: ${nodesText(c)}, Kubernetes ${c.kubernetesVersion ?? ''}.\n`);
        process.stdout.write(`kubectl context "${c.context}" is now current: try \`kubectl get nodes\`.\n`);
      }
    });

  program
    .command('delete')
    .description('delete a cluster: its nodes, volumes and kubeconfig entries')
    .argument('[name]', 'cluster name', DEFAULT_CLUSTER_NAME)
    .option('--all', 'delete every Paddock cluster', false)
    .action(async (name: string, o: { all: boolean }) => {
      const names = o.all ? (await env.call('listClusters', {})).clusters.map((c) => c.name) : [name];
      for (const n of names) {
        await env.call('deleteCluster', { name: n });
        env.say(`Deleted cluster "${n}".`);
      }
      if (o.all && names.length === 0) env.say('No clusters to delete.');
    });

  program
    .command('list')
    .alias('ls')
    .description('list clusters')
    .action(async () => {
      const { clusters, engines = [] } = await env.call('listClusters', {});
      const down = engines.filter((e) => e.state === 'down');
      printList(
        env.flags().output,
        clusters,
        [
          { header: 'NAME', value: (c) => c.name },
          { header: 'STATUS', value: (c) => c.status },
          { header: 'VERSION', value: (c) => c.kubernetesVersion ?? '-' },
          { header: 'NODES', value: (c) => nodesText(c) },
          { header: 'API SERVER', value: (c) => (c.apiServer ? `https://${c.apiServer.host}:${c.apiServer.port}` : '-') },
          { header: 'ENGINE', value: (c) => c.engine ?? '-' },
        ],
        down.length ? 'No clusters on the engines that answered.' : 'No clusters. Create one with `paddock create`.',
      );
      // On stderr, so `-o json` stays the list of clusters; an engine that is down is never "no clusters".
      for (const e of down) {
        const held = e.clusters?.length ? `; clusters remembered there: ${e.clusters.join(', ')}` : '';
        process.stderr.write(`engine ${e.name === e.host ? e.host : `${e.name} (${e.host})`} is down: ${e.error ?? 'no answer'}${held}\n`);
      }
    });

  program
    .command('status')
    .description("show a cluster's nodes, version and API endpoint")
    .argument('[name]', 'cluster name', DEFAULT_CLUSTER_NAME)
    .action(async (name: string) => {
      const c = await env.call('getCluster', { name });
      if (env.flags().output === 'json') process.stdout.write(JSON.stringify(c, null, 2) + '\n');
      else printClusterDetails(c);
    });

  for (const [verb, op, description] of [
    ['start', 'startCluster', 'start a stopped cluster (all nodes, load balancer included, in order)'],
    ['stop', 'stopCluster', 'stop a cluster; its state is kept for `paddock start`'],
    ['pause', 'pauseCluster', 'freeze a cluster (no CPU use); `unpause` resumes it in a second'],
    ['unpause', 'unpauseCluster', 'resume a paused cluster'],
  ] as const) {
    program
      .command(verb)
      .description(description)
      .argument('[name]', 'cluster name', DEFAULT_CLUSTER_NAME)
      .action(async (name: string) => {
        const c = await env.call(op, { name });
        env.say(`Cluster "${c.name}" is ${c.status}.`);
      });
  }

  program
    .command('kubeconfig')
    .description("print a cluster's kubeconfig")
    .argument('[name]', 'cluster name', DEFAULT_CLUSTER_NAME)
    .option('--internal', 'use the address nodes use inside the Docker network', false)
    .action(async (name: string, o: { internal: boolean }) => {
      const { kubeconfig } = await env.call('getKubeconfig', { name, internal: o.internal });
      process.stdout.write(kubeconfig);
    });

  program
    .command('load-image')
    .description("copy local Docker images into every node's containerd")
    .argument('<images...>', 'image references, e.g. my-app:dev')
    .option('-c, --cluster <name>', 'cluster', DEFAULT_CLUSTER_NAME)
    .action(async (images: string[], o: { cluster: string }) => {
      await env.call('loadImages', { name: o.cluster, images });
      env.say(`Loaded ${images.join(', ')} into cluster "${o.cluster}".`);
    });

  program
    .command('export-logs')
    .description("collect every node's logs, events and the cluster config into a folder and a .tar.gz")
    .argument('[name]', 'cluster name', DEFAULT_CLUSTER_NAME)
    .argument('[dir]', 'output folder (default: ./paddock-logs-<name>-<time>)')
    .action(async (name: string, dir: string | undefined) => {
      const r = await env.call('exportLogs', { name, dir });
      if (env.flags().output === 'json') process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else process.stdout.write(`Logs of "${name}" are in ${r.dir}\nand in one file for a bug report: ${r.archive}\n`);
    });
}
