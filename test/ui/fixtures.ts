/**
 * Scripted core handlers with realistic data, to look at the screens full
 * (the real core cannot make clusters on every machine). The server, the
 * dispatcher, the transport and the renderer are all the real ones.
 */
import { createCore } from '../../src/core/index.js';
import type { ApiHandlers, ClusterSummary, ContextInfo, ForwardInfo } from '../../src/shared/api.js';
import { PaddockError } from '../../src/shared/errors.js';
import { Progress } from '../../src/shared/progress.js';

export interface Fixture {
  core: ApiHandlers;
  clusters: ClusterSummary[];
  forwards: ForwardInfo[];
  calls: string[];
  release(): void;
}

const node = (cluster: string, suffix: string, role: 'control-plane' | 'worker', ip: string, status: 'running' | 'stopped' | 'missing' = 'running') => ({
  name: `${cluster}-${suffix}`,
  role,
  status,
  ip,
  image: 'paddock/node:v1.34.1',
});

export function fixture(): Fixture {
  const calls: string[] = [];
  let release = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const clusters: ClusterSummary[] = [
    {
      name: 'dev',
      status: 'running',
      kubernetesVersion: 'v1.34.1',
      apiServer: { host: '127.0.0.1', port: 41234 },
      context: 'paddock-dev',
      nodes: [node('dev', 'control-plane', 'control-plane', '172.19.0.2'), node('dev', 'worker', 'worker', '172.19.0.3'), node('dev', 'worker2', 'worker', '172.19.0.4')],
      created: new Date(Date.now() - 3 * 3600_000).toISOString(),
    },
    {
      name: 'ha',
      status: 'stopped',
      kubernetesVersion: 'v1.33.5',
      context: 'paddock-ha',
      nodes: [1, 2, 3].map((i) => node('ha', `control-plane${i}`, 'control-plane', `172.19.0.${10 + i}`, 'stopped')),
    },
    {
      name: 'legacy',
      status: 'broken',
      reason: 'node legacy-worker is missing: its container was removed outside Paddock',
      kubernetesVersion: 'v1.32.9',
      apiServer: { host: '127.0.0.1', port: 39001 },
      context: 'paddock-legacy',
      nodes: [node('legacy', 'control-plane', 'control-plane', '172.19.0.20'), node('legacy', 'worker', 'worker', '', 'missing')],
    },
  ];
  const contexts: ContextInfo[] = [
    { name: 'paddock-dev', current: true, cluster: 'paddock-dev', user: 'paddock-dev', file: '/home/user/.kube/config', server: 'https://127.0.0.1:41234', paddockCluster: 'dev', namespace: 'shop' },
    { name: 'paddock-ha', current: false, cluster: 'paddock-ha', user: 'paddock-ha', file: '/home/user/.kube/config', server: 'https://127.0.0.1:41300', paddockCluster: 'ha' },
    { name: 'gke_team_europe-west1_prod', current: false, cluster: 'gke_team_europe-west1_prod', user: 'gke_team', file: '/home/user/.kube/config', server: 'https://34.76.1.10' },
  ];
  const forwards: ForwardInfo[] = [
    { id: 'f1', context: 'paddock-dev', namespace: 'shop', target: 'svc/web', localAddress: '127.0.0.1', localPort: 8080, remotePort: 80, autoStart: true, state: 'connected', pod: 'web-7d9f-abcde', bytesIn: 1_534_000, bytesOut: 20_480, connections: 2 },
    { id: 'f2', context: 'paddock-dev', namespace: 'shop', target: 'svc/postgres', localAddress: '127.0.0.1', localPort: 5432, remotePort: 5432, autoStart: false, state: 'stopped', bytesIn: 0, bytesOut: 0, connections: 0 },
  ];
  const find = (name: string) => {
    const c = clusters.find((x) => x.name === name);
    if (!c) throw new PaddockError('CLUSTER_NOT_FOUND', `No cluster named ${name}`);
    return c;
  };
  const core = createCore({
    version: async () => ({ paddock: '0.1.0', node: process.version, defaultKubernetes: 'v1.34.1' }),
    doctor: async () => ({
      checks: [
        { id: 'docker', title: 'Docker engine', verdict: 'ok', detail: 'Docker 28.1 at unix:///var/run/docker.sock (local engine)' },
        { id: 'memory', title: 'Memory', verdict: 'warn', detail: '5.2 GiB free; a 3-node cluster wants about 6 GiB', remedy: 'Close other programs or create fewer workers (`--workers 1`).' },
        { id: 'inotify', title: 'inotify limits', verdict: 'fail', detail: 'fs.inotify.max_user_instances is 128', remedy: 'Run `sudo sysctl fs.inotify.max_user_instances=512`' },
        { id: 'cgroup', title: 'cgroups', verdict: 'info', detail: 'cgroup v1 host: supported' },
      ],
    }),
    listClusters: async () => ({ clusters }),
    getCluster: async ({ name }) => find(name),
    getKubeconfig: async ({ name }) => ({ kubeconfig: `apiVersion: v1\nkind: Config\nclusters:\n- name: paddock-${name}\n  cluster:\n    server: https://127.0.0.1:41234\n    certificate-authority-data: LS0tLS1CRUdJTi…\ncontexts:\n- name: paddock-${name}\n  context: {cluster: paddock-${name}, user: paddock-${name}}\ncurrent-context: paddock-${name}\n` }),
    listAddons: async () => ({
      addons: [
        { name: 'ingress-nginx', description: 'Ingress controller on ports 80/443', version: '1.12.1', enabled: true, health: 'healthy', usage: 'http://localhost/ reaches your Ingresses' },
        { name: 'metrics-server', description: 'kubectl top and HPA metrics', version: '0.7.2', enabled: false, health: 'disabled' },
        { name: 'dashboard', description: 'Kubernetes Dashboard', version: '7.10.0', enabled: true, health: 'unhealthy' },
      ],
    }),
    pauseCluster: async ({ name }) => (calls.push(`pause ${name}`), { ...find(name), status: 'paused' }),
    deleteCluster: async ({ name }) => {
      calls.push(`delete ${name}`);
      clusters.splice(clusters.indexOf(find(name)), 1);
      return { ok: true };
    },
    createCluster: async (input, ctx) => {
      const p = new Progress(ctx.opId, ctx.progress);
      await p.step('image', 'Ensure node image paddock/node:v1.34.1', async () => {
        p.percent('image', 100);
      });
      await p.step('network', 'Create network paddock', async () => {});
      await p.step('nodes', 'Create 1 control plane and 2 workers', async () => {
        p.log(`docker run --name ${input.name}-control-plane --label io.paddock.cluster=${input.name} …`);
        p.log(`docker run --name ${input.name}-worker …`);
      });
      await p.step('kubeadm-init', 'Initialise the control plane (kubeadm init)', async () => {
        p.percent('kubeadm-init', 45);
        p.log('[init] Using Kubernetes version: v1.34.1');
        p.log('[preflight] Running pre-flight checks');
        await gate;
        if (input.name === 'broken') {
          p.log('[kubelet-check] The kubelet is not healthy after 4m0s');
          throw new PaddockError('KUBEADM_FAILED', 'kubeadm init failed on broken-control-plane: the kubelet did not become healthy', {
            remedy: 'Check `paddock doctor` (inotify limits are a common cause), then retry with `--retain` to inspect the node.',
            output: '[kubelet-check] The kubelet is not healthy after 4m0s\nerror execution phase wait-control-plane',
          });
        }
      });
      await p.step('cni', 'Install CNI and storage', async () => {});
      await p.step('join', 'Join 2 workers', async () => {});
      const c: ClusterSummary = { name: input.name, status: 'running', kubernetesVersion: 'v1.34.1', context: `paddock-${input.name}`, nodes: [] };
      clusters.push(c);
      return c;
    },
    listContexts: async () => ({ contexts, currentContext: contexts.find((c) => c.current)?.name }),
    useContext: async ({ name }) => {
      calls.push(`use ${name}`);
      for (const c of contexts) c.current = c.name === name;
      return { ok: true };
    },
    listNamespaces: async () => ({ namespaces: ['default', 'kube-system', 'shop'] }),
    listForwards: async () => ({ forwards }),
    startForward: async ({ id }) => {
      const f = forwards.find((x) => x.id === id)!;
      f.state = 'connected';
      calls.push(`start ${id}`);
      return f;
    },
    stopForward: async ({ id }) => {
      const f = forwards.find((x) => x.id === id)!;
      f.state = 'stopped';
      calls.push(`stop ${id}`);
      return f;
    },
    listNodeImages: async () => ({
      images: [
        { name: 'paddock/node:v1.34.1', id: 'sha256:1', kubernetesVersion: 'v1.34.1', sizeBytes: 1_020_000_000, inputsHash: 'h1', created: new Date(Date.now() - 86400_000 * 2).toISOString() },
        { name: 'paddock/node:v1.33.5', id: 'sha256:2', kubernetesVersion: 'v1.33.5', sizeBytes: 990_000_000, inputsHash: 'h2', created: new Date(Date.now() - 86400_000 * 9).toISOString() },
      ],
    }),
  });
  return { core, clusters, forwards, calls, release: () => release() };
}
