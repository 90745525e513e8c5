/**
 * Files an addon writes into every node (containerd registry hosts, …),
 * rendered with its params and the host ports it got; removed again on
 * disable. Only paths under /etc/containerd/ are allowed.
 */
import path from 'node:path';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import type { Progress } from '../shared/progress.js';
import { getCluster } from '../provisioner/cluster-state.js';
import type { DockerRuntime } from '../provisioner/runtime/docker.js';
import type { AddonSpec } from './catalog.js';
import { renderString, type TemplateValues } from './render.js';

function rendered(spec: AddonSpec, values: TemplateValues) {
  return spec.nodeFiles.map((f) => {
    const p = path.posix.normalize(String(renderString(f.path, values, `${spec.name}/nodeFiles`)));
    if (!p.startsWith('/etc/containerd/')) throw new PaddockError(ErrorCodes.INVALID_CONFIG, `${spec.name}: node file ${p} is outside /etc/containerd/`);
    return { path: p, content: String(renderString(f.content, values, `${spec.name}/nodeFiles`)) };
  });
}

async function nodes(runtime: DockerRuntime, cluster: string) {
  return (await getCluster(runtime, cluster)).nodes.filter((n) => n.role !== 'load-balancer' && n.status === 'running');
}

const CONFIG = '/etc/containerd/config.toml';

/**
 * Makes containerd read registry hosts from `dir`. Node images that already
 * set config_path (kind's do; a containerdConfigPatches entry can) are left
 * alone; otherwise the table is added and containerd restarted, which running
 * pods survive (their shims stay).
 */
async function ensureRegistryConfigPath(runtime: DockerRuntime, node: string, dir: string, progress: Progress): Promise<void> {
  const script = [
    `if grep -q "^[[:space:]]*config_path[[:space:]]*=[[:space:]]*['\\"][^'\\"]" ${CONFIG}; then exit 0; fi`,
    `if grep -q "cri.v1.images'\\?\\"\\?\\.registry\\]" ${CONFIG}; then echo "the registry table exists without config_path" >&2; exit 3; fi`,
    `printf "\\n[plugins.'io.containerd.cri.v1.images'.registry]\\n  config_path = '%s'\\n" "$1" >> ${CONFIG}`,
    'systemctl restart containerd && echo restarted',
    'for i in $(seq 1 60); do ctr version >/dev/null 2>&1 && exit 0; sleep 0.5; done; exit 4',
  ].join('\n');
  const r = await runtime.exec(node, ['sh', '-c', script, 'sh', dir]);
  if (r.exitCode !== 0) {
    throw new PaddockError(ErrorCodes.DOCKER_FAILED, `setting containerd's registry config_path in ${node} failed`, {
      output: r.stdout + r.stderr,
      remedy: `create the cluster with a containerdConfigPatches entry setting config_path = "${dir}"`,
    });
  }
  if (r.stdout.includes('restarted')) progress.log(`restarted containerd in ${node}`, 'nodes');
}

export async function writeNodeFiles(runtime: DockerRuntime, cluster: string, spec: AddonSpec, values: TemplateValues, progress: Progress): Promise<void> {
  const files = rendered(spec, values);
  for (const n of await nodes(runtime, cluster)) {
    if (spec.containerdRegistryConfigPath) await ensureRegistryConfigPath(runtime, n.name, spec.containerdRegistryConfigPath, progress);
    for (const f of files) {
      const r = await runtime.exec(n.name, ['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'sh', f.path], { stdin: f.content });
      if (r.exitCode !== 0) throw new PaddockError(ErrorCodes.DOCKER_FAILED, `writing ${f.path} in ${n.name} failed`, { output: r.stdout + r.stderr });
    }
  }
}

export async function removeNodeFiles(runtime: DockerRuntime, cluster: string, spec: AddonSpec, values: TemplateValues): Promise<void> {
  const files = rendered(spec, values);
  for (const n of await nodes(runtime, cluster)) {
    for (const f of files) {
      // The file, then its folder if that is now empty (certs.d/<host>/).
      await runtime.exec(n.name, ['sh', '-c', 'rm -f "$1"; rmdir "$(dirname "$1")" 2>/dev/null; true', 'sh', f.path]);
    }
  }
}
