/**
 * The files that give a node's kubelet its identity and configuration, as
 * kubeadm would leave them: pure functions from kubeconfigs and kubeadm
 * configs to file contents (steps/join.ts writes them).
 */
import yaml from 'js-yaml';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import type { NodeFile } from '../node-exec.js';

export const KUBELET_CONF = '/etc/kubernetes/kubelet.conf';
export const KUBELET_PKI_DIR = '/var/lib/kubelet/pki';
export const CA_PATH = '/etc/kubernetes/pki/ca.crt';
/** Where kubeadm looks for certificates when it only starts a worker's kubelet: nothing there. */
const KUBELET_START_PKI = '/kind/kubelet-start-pki';
export const KUBELET_CLIENT_PEM = `${KUBELET_PKI_DIR}/kubelet-client-current.pem`;

/**
 * What kubeadm's kubelet-finalize phase does, without its kubelet restart
 * (skipped: it came in the middle of the bootstrap): kubelet.conf then names
 * the certificate file the kubelet rotates instead of the embedded one it
 * started with. The running kubelet keeps its certificate until it restarts.
 */
export function pointKubeletConfAtRotatedCert(kubeletConf: string, pemPath = KUBELET_CLIENT_PEM): string {
  const doc = yaml.load(kubeletConf) as { users?: Array<{ user?: Record<string, unknown> }> };
  for (const u of doc.users ?? []) {
    if (!u.user) continue;
    delete u.user['client-certificate-data'];
    delete u.user['client-key-data'];
    u.user['client-certificate'] = pemPath;
    u.user['client-key'] = pemPath;
  }
  return yaml.dump(doc, { lineWidth: -1 });
}

/**
 * A kubeconfig with the cluster's endpoint and CA and no credentials: kubeadm
 * join reads cluster-info with it anonymously and TLS-bootstraps with the token.
 */
export function discoveryKubeconfig(clusterName: string, server: string, caPem: string): string {
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'discovery', user: {} }],
    contexts: [{ name: 'discovery', context: { cluster: clusterName, user: 'discovery' } }],
    'current-context': 'discovery',
  });
}

/**
 * A kubelet that TLS-bootstraps starts "in the background" as
 * system:anonymous: its first lists of Services and Nodes are refused and
 * retried with client-go's backoff, and it starts no pod before Services
 * were read (~2 s per worker on a fresh cluster). Given its node
 * certificate (what the bootstrap would have got: CN system:node:NAME,
 * O system:nodes, signed by the cluster CA, issued by `kubeadm kubeconfig
 * user` on the first node), it starts authenticated; kubeadm join then finds
 * the TLS bootstrap done.
 *
 * The certificate goes where the kubelet's rotation keeps it (a dated file
 * and the -current link), and kubelet.conf names that file, as kubeadm's
 * kubelet-finalize leaves it: the kubelet finds a current certificate (no
 * forced rotation at start) and rotates it as usual, and nothing is
 * rewritten after the join.
 */
export function workerKubeletFiles(kubeconfig: string, now = new Date()): NodeFile[] {
  const doc = yaml.load(kubeconfig) as { users?: Array<{ user?: Record<string, unknown> }> };
  const user = doc.users?.[0]?.user ?? {};
  const cert = user['client-certificate-data'];
  const key = user['client-key-data'];
  if (typeof cert !== 'string' || typeof key !== 'string') throw new PaddockError(ErrorCodes.KUBEADM_FAILED, '`kubeadm kubeconfig user` printed a kubeconfig without a client certificate');
  const pem = Buffer.from(cert, 'base64').toString() + Buffer.from(key, 'base64').toString();
  const stamp = now.toISOString().slice(0, 19).replace(/[T:]/g, '-');
  const dated = `kubelet-client-${stamp}.pem`;
  return [
    { path: `${KUBELET_PKI_DIR}/${dated}`, content: pem, mode: '0600' },
    { path: KUBELET_CLIENT_PEM, content: dated, mode: 'link' },
    { path: KUBELET_CONF, content: pointKubeletConfAtRotatedCert(kubeconfig), mode: '0600' },
  ];
}

/**
 * What `kubeadm join` does on a worker that already has its certificate:
 * write the kubelet's configuration (the cluster's, which join downloads
 * from the kubelet-config ConfigMap), its flags from the node's
 * registration, and start it. `kubeadm init phase kubelet-start` does that
 * offline, from an InitConfiguration carrying the worker's registration
 * (name, kubelet arguments, patches, as the worker's JoinConfiguration has
 * them after the config's patches) next to the first node's cluster
 * documents. It needs no API server, so the kubelet starts ~1 s sooner
 * than through join's discovery and downloads, and can start as soon as
 * the API server answers. Taints go in as the kubelet flag join would have
 * written (init leaves them to its mark-control-plane phase).
 */
export function workerKubeletStartConfig(workerConfig: string, clusterConfig: string, nodeIp: string): string {
  const docs = (text: string) => yaml.loadAll(text).filter((d): d is Record<string, any> => !!d && typeof d === 'object');
  const join = docs(workerConfig).find((d) => d.kind === 'JoinConfiguration');
  if (!join) throw new PaddockError(ErrorCodes.INTERNAL, "a worker's kubeadm config has no JoinConfiguration");
  const registration = { ...(join.nodeRegistration ?? {}) };
  const taints: Array<{ key: string; value?: string; effect: string }> = registration.taints ?? [];
  // InitConfiguration defaults missing taints to the control plane's; a worker has none unless asked.
  registration.taints = [];
  if (taints.length > 0) registration.kubeletExtraArgs = withArg(registration.kubeletExtraArgs, 'register-with-taints', taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(','));
  const init = {
    apiVersion: join.apiVersion,
    kind: 'InitConfiguration',
    localAPIEndpoint: { advertiseAddress: nodeIp, bindPort: 6443 },
    nodeRegistration: registration,
    ...(join.patches ? { patches: join.patches } : {}),
  };
  const cluster = docs(clusterConfig).filter((d) => d.kind !== 'InitConfiguration' && d.kind !== 'JoinConfiguration');
  // The worker holds the cluster's CA certificate without its key: kubeadm
  // would take that for an external CA and ask for every other certificate.
  // It looks in an empty folder instead, and the kubelet is told the CA's
  // path kubeadm would have given it.
  const clusterDoc = cluster.find((d) => d.kind === 'ClusterConfiguration');
  const kubelet = cluster.find((d) => d.kind === 'KubeletConfiguration');
  if (clusterDoc && kubelet) {
    const caFile = `${clusterDoc.certificatesDir ?? '/etc/kubernetes/pki'}/ca.crt`;
    clusterDoc.certificatesDir = KUBELET_START_PKI;
    kubelet.authentication = { ...kubelet.authentication, x509: { clientCAFile: caFile, ...kubelet.authentication?.x509 } };
  }
  return [init, ...cluster].map((d) => yaml.dump(d, { lineWidth: -1, noRefs: true })).join('---\n');
}

/** kubeletExtraArgs (v1beta4's list or v1beta3's map) with one more argument, unless the user set it. */
function withArg(extra: unknown, name: string, value: string): unknown {
  if (Array.isArray(extra)) return extra.some((a) => a?.name === name) ? extra : [...extra, { name, value }];
  if (extra && typeof extra === 'object') return name in extra ? extra : { ...extra, [name]: value };
  return [{ name, value }];
}
