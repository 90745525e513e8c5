/** Shared bits of the benchmarks: timing, stats, readiness through the API. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { execa } from 'execa';

export const now = () => performance.now();

export function stats(xs: number[]): { min: number; median: number; max: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: s[0]!, median, max: s[s.length - 1]!, mean: s.reduce((a, b) => a + b, 0) / s.length };
}

export const secs = (ms: number) => (ms / 1000).toFixed(1);

/** `--name value` from the command line, else the default. */
export function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

/** Same definition for every tool: all nodes Ready and CoreDNS with a ready, available replica. */
export async function waitClusterReady(kubeconfigPath: string, context: string, nodes: number, timeoutMs = 600_000): Promise<void> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  kc.setCurrentContext(context);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const [ns, dns] = await Promise.all([core.listNode(), apps.readNamespacedDeployment({ name: 'coredns', namespace: 'kube-system' })]);
      const ready = ns.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
      const dnsOk = (dns.status?.readyReplicas ?? 0) >= 1 && !!dns.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True');
      if (ready === nodes && dnsOk) return;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error(`cluster ${context} not ready after ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const KIND_VERSION = 'v0.33.0';
export const binDir = path.join(os.homedir(), '.cache', 'paddock-bench', 'bin');
export const kindBin = path.join(binDir, 'kind');

export async function ensureKind(): Promise<void> {
  if (fs.existsSync(kindBin)) return;
  console.log(`building kind ${KIND_VERSION} from its Go module (once; cached in ${binDir}) …`);
  await execa('go', ['install', `sigs.k8s.io/kind@${KIND_VERSION}`], { env: { GOBIN: binDir, GOFLAGS: '-trimpath' }, stdio: 'inherit' });
}

// kind's own kubeadm config needs the same cgroup v1 allowance Paddock sets.
export function kindConfig(workers: number): string {
  return [
    'kind: Cluster',
    'apiVersion: kind.x-k8s.io/v1alpha4',
    'kubeadmConfigPatches:',
    '- |',
    '  kind: KubeletConfiguration',
    '  failCgroupV1: false',
    'nodes:',
    '- role: control-plane',
    ...Array.from({ length: workers }, () => '- role: worker'),
    '',
  ].join('\n');
}
