/**
 * Checks a pasted kind/Paddock cluster config as the user types: YAML syntax
 * and the document's apiVersion/kind. The core validates the rest when it
 * plans the cluster; this only catches what can be seen at a glance.
 */
import { load } from 'js-yaml';

export interface ConfigCheck {
  ok: boolean;
  message: string;
  nodes?: { controlPlanes: number; workers: number };
}

const API_VERSIONS = ['kind.x-k8s.io/v1alpha4', 'paddock.dev/v1alpha1'];

export function checkClusterConfig(text: string): ConfigCheck {
  if (!text.trim()) return { ok: false, message: 'Paste a kind Cluster config (kind.x-k8s.io/v1alpha4) or upload a file.' };
  let doc: unknown;
  try {
    doc = load(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { ok: false, message: `Not valid YAML: ${msg}` };
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { ok: false, message: 'The config must be a YAML mapping (kind: Cluster …).' };
  const d = doc as Record<string, unknown>;
  if (d.kind !== 'Cluster') return { ok: false, message: `kind must be "Cluster" (found ${JSON.stringify(d.kind ?? null)}).` };
  if (typeof d.apiVersion !== 'string' || !API_VERSIONS.includes(d.apiVersion)) {
    return { ok: false, message: `apiVersion must be one of ${API_VERSIONS.join(', ')} (found ${JSON.stringify(d.apiVersion ?? null)}).` };
  }
  let controlPlanes = 1;
  let workers = 0;
  if (d.nodes !== undefined) {
    if (!Array.isArray(d.nodes)) return { ok: false, message: 'nodes must be a list.' };
    controlPlanes = 0;
    for (const [i, n] of d.nodes.entries()) {
      const role = (n as { role?: unknown } | null)?.role;
      if (role === 'control-plane') controlPlanes++;
      else if (role === 'worker') workers++;
      else return { ok: false, message: `nodes[${i}].role must be "control-plane" or "worker".` };
    }
    if (controlPlanes === 0) return { ok: false, message: 'At least one node must have role control-plane.' };
  }
  return { ok: true, message: `Looks good: ${controlPlanes} control plane${controlPlanes === 1 ? '' : 's'}, ${workers} worker${workers === 1 ? '' : 's'}.`, nodes: { controlPlanes, workers } };
}
