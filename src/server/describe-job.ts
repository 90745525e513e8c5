/** Human titles for jobs: what the tray, notifications and progress view say. */
import type { OpName } from '../shared/api.js';

const verbs: Partial<Record<OpName, string>> = {
  createCluster: 'Create cluster',
  deleteCluster: 'Delete cluster',
  startCluster: 'Start cluster',
  stopCluster: 'Stop cluster',
  buildNodeImage: 'Build node image',
  pullNodeImage: 'Pull node image',
  loadImages: 'Load images into',
  enableAddon: 'Enable addon',
  disableAddon: 'Disable addon',
  drainNode: 'Drain node',
};

export function describeJob(op: OpName, input: unknown): string {
  const i = (input ?? {}) as Record<string, unknown>;
  const str = (k: string) => (typeof i[k] === 'string' ? (i[k] as string) : undefined);
  const verb = verbs[op] ?? op;
  switch (op) {
    case 'enableAddon':
    case 'disableAddon':
      return `${verb} ${str('addon') ?? ''} on ${str('name') ?? ''}`.replace(/\s+/g, ' ').trim();
    case 'drainNode':
      return `${verb} ${str('node') ?? ''}`.trim();
    case 'buildNodeImage':
    case 'pullNodeImage':
      return `${verb}${str('kubernetesVersion') ? ` ${str('kubernetesVersion')}` : ''}`;
    default:
      return `${verb}${str('name') ? ` ${str('name')}` : ''}`;
  }
}
