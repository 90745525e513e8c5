/**
 * The pod network, default storage and CoreDNS: read from the first node
 * while kubeadm init runs, applied once the API takes them.
 */
import yaml from 'js-yaml';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { KUBEADM_CONFIG_PATH } from './kubeadm-node.js';
import type { CreateContext, Step } from './types.js';

export const addonsStep: Step = {
  id: 'cni-storage',
  title: (ctx) => (ctx.plan.networking.disableDefaultCNI ? 'Installing the default storage class' : 'Installing the pod network and default storage'),
  // With several nodes the join step waits for them while the nodes join.
  when: (ctx) => ctx.plan.nodes.length === 1,
  run: (ctx) => startAddons(ctx),
};

/** The pod network, default storage and CoreDNS manifests, ready to apply (read in one exec). */
export async function readAddonManifests(ctx: CreateContext): Promise<string> {
  const node = ctx.bootstrapNode().name;
  const files: string[] = [];
  if (!ctx.plan.networking.disableDefaultCNI) files.push('/kind/manifests/default-cni.yaml');
  files.push('/kind/manifests/default-storage.yaml');
  const script = `kubeadm init phase addon coredns --config=${KUBEADM_CONFIG_PATH} --print-manifest && for f do printf '\\n%s\\n' '${MANIFEST_SEPARATOR}' && cat "$f" || exit 1; done`;
  const r = await ctx.exec.run(node, ['sh', '-c', script, 'manifests', ...files], { logAs: `kubeadm init phase addon coredns --print-manifest; cat ${files.join(' ')}` });
  const [coredns, ...texts] = r.stdout.split(`\n${MANIFEST_SEPARATOR}\n`);
  // kind's manifests are templates over the pod subnet; render it in the node.
  const rendered = texts.map((t) => t.replaceAll('{{ .PodSubnet }}', ctx.plan.networking.podSubnet).replaceAll('{{.PodSubnet}}', ctx.plan.networking.podSubnet));
  return [...rendered, fastCoreDns(coredns!, { singleNode: ctx.plan.nodes.length === 1 })].join('\n---\n');
}

const MANIFEST_SEPARATOR = '# --- paddock: next manifest ---';

/** Applies them (once), as soon as kubeadm init made the API usable; failures surface in the step that waits. */
export function startAddons(ctx: CreateContext): Promise<void> {
  if (ctx.state.addons) return ctx.state.addons;
  const node = ctx.bootstrapNode().name;
  const stepId = ctx.plan.nodes.length === 1 ? 'cni-storage' : 'join';
  ctx.state.addonManifests ??= readAddonManifests(ctx);
  ctx.state.addons = ctx.state.addonManifests.then(async (stdin) => {
    await ctx.exec.run(node, ['kubectl', '--kubeconfig=/etc/kubernetes/admin.conf', 'apply', '-f', '-'], { stdin, stepId });
  });
  ctx.state.addons.catch(() => {}); // awaited by the step; never unhandled before
  return ctx.state.addons;
}

/**
 * kubeadm's CoreDNS probes readiness every 10 s: a pod not ready at its first
 * probe costs 10 s. The manifest is kubeadm's, with a 1 s period, and one
 * replica on a single node (a second one there adds ~15 MiB and no
 * availability).
 */
interface ManifestDoc {
  kind?: string;
  spec?: { replicas?: number; template?: { spec?: { containers?: Array<{ name?: string; readinessProbe?: { periodSeconds?: number } }> } } };
}

export function fastCoreDns(manifest: string, opts: { singleNode?: boolean } = {}): string {
  const docs = yaml.loadAll(manifest).filter((d): d is ManifestDoc => !!d && typeof d === 'object');
  const deployment = docs.find((d) => d.kind === 'Deployment');
  const coredns = deployment?.spec?.template?.spec?.containers?.find((c) => c.name === 'coredns');
  if (!coredns?.readinessProbe) throw new PaddockError(ErrorCodes.KUBEADM_FAILED, 'kubeadm printed no CoreDNS Deployment with a readiness probe');
  coredns.readinessProbe.periodSeconds = 1;
  if (opts.singleNode && deployment?.spec) deployment.spec.replicas = 1;
  return docs.map((d) => yaml.dump(d, { lineWidth: -1, noRefs: true })).join('---\n');
}
