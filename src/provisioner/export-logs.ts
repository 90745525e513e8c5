/**
 * `paddock export-logs`: everything a bug report needs, in a folder and a
 * .tar.gz: every node's journal (kubelet, containerd), pod and container
 * logs, events, node descriptions, the cluster's configs, Docker's view of
 * each container, and Paddock's own logs for this cluster.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Progress } from '../shared/progress.js';
import { logsDir } from '../shared/paths.js';
import { getCluster } from './cluster-state.js';
import type { DockerRuntime } from './runtime/docker.js';

export interface ExportedLogs {
  dir: string;
  archive: string;
}

const NODE_COMMANDS: [string, string[]][] = [
  ['journal.log', ['journalctl', '--no-pager', '-o', 'short-precise']],
  ['kubelet.log', ['journalctl', '--no-pager', '-o', 'short-precise', '-u', 'kubelet']],
  ['containerd.log', ['journalctl', '--no-pager', '-o', 'short-precise', '-u', 'containerd']],
  ['crictl-ps.txt', ['crictl', 'ps', '-a']],
  ['crictl-images.txt', ['crictl', 'images']],
  ['kubeadm.conf', ['cat', '/kind/kubeadm.conf']],
  ['containerd-config.toml', ['cat', '/etc/containerd/config.toml']],
  ['version.txt', ['cat', '/kind/version']],
  ['ip-addr.txt', ['ip', 'addr']],
  ['iptables-nat.txt', ['iptables-save', '-t', 'nat']],
];

const KUBECTL = ['kubectl', '--kubeconfig=/etc/kubernetes/admin.conf'];
const CLUSTER_COMMANDS: [string, string[]][] = [
  ['events.txt', [...KUBECTL, 'get', 'events', '-A', '--sort-by=.lastTimestamp']],
  ['nodes-describe.txt', [...KUBECTL, 'describe', 'nodes']],
  ['pods.txt', [...KUBECTL, 'get', 'pods', '-A', '-o', 'wide']],
  ['all.yaml', [...KUBECTL, 'get', 'all', '-A', '-o', 'yaml']],
];

export async function exportLogs(runtime: DockerRuntime, cluster: string, outDir: string | undefined, progress: Progress): Promise<ExportedLogs> {
  const { execa } = await import('execa'); // loaded on use: ~80 ms of every command's start
  const summary = await getCluster(runtime, cluster);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.resolve(outDir ?? path.join(process.cwd(), `paddock-logs-${cluster}-${stamp}`));
  fs.mkdirSync(dir, { recursive: true });
  const problems: string[] = [];

  await progress.step('nodes', `Collecting logs of ${summary.nodes.length} container${summary.nodes.length === 1 ? '' : 's'}`, async () => {
    await Promise.all(
      summary.nodes.map(async (n) => {
        const nodeDir = path.join(dir, 'nodes', n.name);
        fs.mkdirSync(nodeDir, { recursive: true });
        const inspect = await runtime.inspectContainer(n.name);
        fs.writeFileSync(path.join(nodeDir, 'docker-inspect.json'), JSON.stringify(inspect, null, 2));
        const dockerLogs = await runtime.docker.getContainer(n.name).logs({ stdout: true, stderr: true, timestamps: true }).catch(() => Buffer.from(''));
        fs.writeFileSync(path.join(nodeDir, 'docker-logs.txt'), dockerLogs);
        if (n.status !== 'running' || n.role === 'load-balancer') return;
        for (const [file, cmd] of NODE_COMMANDS) {
          let r = { exitCode: -1, stdout: '', stderr: '' };
          // Just after a node (re)started its journal can still be empty for a
          // unit whose start is on the way: ask again for a few seconds.
          for (let attempt = 0; attempt < 5; attempt++) {
            r = await runtime.exec(n.name, cmd).catch((e: Error) => ({ exitCode: -1, stdout: '', stderr: e.message }));
            if (cmd[0] !== 'journalctl' || !/^-- No entries --\s*$/.test(r.stdout)) break;
            await new Promise((res) => setTimeout(res, 1000));
          }
          fs.writeFileSync(path.join(nodeDir, file), r.stdout + (r.exitCode !== 0 ? `\n[exit ${r.exitCode}] ${r.stderr}` : ''));
        }
        // Static-pod and container logs, as the kubelet keeps them.
        const tar = await runtime.exec(n.name, ['sh', '-c', 'tar -C /var/log -cf - pods containers 2>/dev/null | base64 -w0']);
        if (tar.stdout) {
          const podsDir = path.join(nodeDir, 'var-log');
          fs.mkdirSync(podsDir, { recursive: true });
          await execa('tar', ['-x', '-C', podsDir, '--no-same-owner'], { input: Buffer.from(tar.stdout, 'base64'), reject: false });
        } else problems.push(`${n.name}: no pod logs`);
      }),
    );
  });

  const cp = summary.nodes.find((n) => n.role === 'control-plane' && n.status === 'running');
  if (cp) {
    await progress.step('cluster', 'Collecting events, nodes and workloads from the API', async () => {
      for (const [file, cmd] of CLUSTER_COMMANDS) {
        // Logs are often wanted right after a restart, while the API server
        // still refuses requests (RBAC not synced yet): retry for a few seconds.
        let r = { exitCode: -1, stdout: '', stderr: '' };
        for (let attempt = 0; attempt < 8; attempt++) {
          r = await runtime.exec(cp.name, cmd).catch((e: Error) => ({ exitCode: -1, stdout: '', stderr: e.message }));
          if (r.exitCode === 0) break;
          await new Promise((res) => setTimeout(res, 1500));
        }
        fs.writeFileSync(path.join(dir, file), r.stdout + (r.exitCode !== 0 ? `\n[exit ${r.exitCode}] ${r.stderr}` : ''));
      }
    });
  } else problems.push('no running control plane: events and API objects not collected');

  fs.writeFileSync(path.join(dir, 'cluster.json'), JSON.stringify(summary, null, 2));
  const paddockLogs = path.join(dir, 'paddock');
  fs.mkdirSync(paddockLogs, { recursive: true });
  if (fs.existsSync(logsDir())) {
    for (const f of fs.readdirSync(logsDir()).filter((f) => f.includes(`-${cluster}-`))) fs.copyFileSync(path.join(logsDir(), f), path.join(paddockLogs, f));
  }
  if (problems.length) fs.writeFileSync(path.join(dir, 'PROBLEMS.txt'), problems.join('\n') + '\n');

  const archive = `${dir}.tar.gz`;
  await progress.step('archive', 'Writing the archive', async () => {
    await execa('tar', ['-czf', archive, '-C', path.dirname(dir), path.basename(dir)]);
  });
  return { dir, archive };
}
