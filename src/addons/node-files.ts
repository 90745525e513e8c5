/**
 * Files an addon writes into every node (containerd registry hosts, …),
 * rendered with its params; removed again on disable. Only paths under
 * /etc/containerd/ are allowed (checked by the catalog schema).
 */
import path from 'node:path';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { getCluster } from '../provisioner/cluster-state.js';
import type { DockerRuntime } from '../provisioner/runtime/docker.js';
import type { AddonSpec } from './catalog.js';
import { renderString } from './render.js';

function rendered(spec: AddonSpec, cluster: string, params: Record<string, string | number>) {
  const values = { cluster: { name: cluster }, params };
  return spec.nodeFiles.map((f) => {
    const p = path.posix.normalize(String(renderString(f.path, values, `${spec.name}/nodeFiles`)));
    if (!p.startsWith('/etc/containerd/')) throw new PaddockError(ErrorCodes.INVALID_CONFIG, `${spec.name}: node file ${p} is outside /etc/containerd/`);
    return { path: p, content: String(renderString(f.content, values, `${spec.name}/nodeFiles`)) };
  });
}

async function nodes(runtime: DockerRuntime, cluster: string) {
  return (await getCluster(runtime, cluster)).nodes.filter((n) => n.role !== 'load-balancer' && n.status === 'running');
}

export async function writeNodeFiles(runtime: DockerRuntime, cluster: string, spec: AddonSpec, params: Record<string, string | number>): Promise<void> {
  const files = rendered(spec, cluster, params);
  for (const n of await nodes(runtime, cluster)) {
    for (const f of files) {
      const r = await runtime.exec(n.name, ['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'sh', f.path], { stdin: f.content });
      if (r.exitCode !== 0) throw new PaddockError(ErrorCodes.DOCKER_FAILED, `writing ${f.path} in ${n.name} failed`, { output: r.stdout + r.stderr });
    }
  }
}

export async function removeNodeFiles(runtime: DockerRuntime, cluster: string, spec: AddonSpec, params: Record<string, string | number>): Promise<void> {
  const files = rendered(spec, cluster, params);
  for (const n of await nodes(runtime, cluster)) {
    for (const f of files) {
      // The file, then its folder if that is now empty (certs.d/<host>/).
      await runtime.exec(n.name, ['sh', '-c', 'rm -f "$1"; rmdir "$(dirname "$1")" 2>/dev/null; true', 'sh', f.path]);
    }
  }
}
