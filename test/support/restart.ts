/** What must survive a cluster's stop/start: node addresses and a PVC's data. */
import type * as k8s from '@kubernetes/client-node';
import { execa } from 'execa';
import { runPod } from './kube.js';

const volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'kept-data' } }];
const volumeMounts = [{ name: 'data', mountPath: '/data' }];

/** Writes `text` into a file on a new PVC through a pod (the default StorageClass provisions it on a node). */
export async function writePvcFile(core: k8s.CoreV1Api, image: string, text: string): Promise<void> {
  await core.createNamespacedPersistentVolumeClaim({
    namespace: 'default',
    body: { metadata: { name: 'kept-data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } },
  });
  const r = await runPod(core, { name: 'pvc-write', image, command: ['sh', '-c', `echo ${text} > /data/file && cat /data/file`], volumes, volumeMounts });
  if (r.phase !== 'Succeeded') throw new Error(`the PVC writer pod ended ${r.phase}: ${r.logs}`);
  await core.deleteNamespacedPod({ name: 'pvc-write', namespace: 'default' });
}

/** Reads the file back through a new pod. */
export async function readPvcFile(core: k8s.CoreV1Api, image: string, podName = 'pvc-read'): Promise<string> {
  const r = await runPod(core, { name: podName, image, command: ['cat', '/data/file'], volumes, volumeMounts });
  return r.logs.trim();
}

/** Node name → InternalIP, as the API reports them. */
export async function internalIps(core: k8s.CoreV1Api): Promise<Record<string, string>> {
  const nodes = (await core.listNode()).items;
  return Object.fromEntries(nodes.map((n) => [n.metadata!.name!, n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '']));
}

/** Container name → [address Docker gave it, the io.paddock.ip label it was created with]. */
export async function containerIps(cluster: string): Promise<Record<string, [string, string]>> {
  const ids = (await execa('docker', ['ps', '-aq', '--filter', `label=io.paddock.cluster=${cluster}`])).stdout.split('\n').filter(Boolean);
  const out = await execa('docker', ['inspect', '-f', '{{.Name}} {{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}} {{index .Config.Labels "io.paddock.ip"}}', ...ids]);
  return Object.fromEntries(
    out.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [n, ip, label] = l.split(' ');
        return [n!.replace(/^\//, ''), [ip ?? '', label ?? '']];
      }),
  );
}
