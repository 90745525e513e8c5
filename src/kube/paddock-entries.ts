/**
 * The entries Paddock owns: cluster, user and context all named
 * `paddock-<cluster>`, as kind does with `kind-<cluster>`. Cluster create and
 * delete change the user's kubeconfig only through these functions, and
 * they touch nothing else.
 */
import { contextNameFor, validateClusterName } from '../shared/names.js';
import { newKubeconfigDoc } from './kubeconfig/edits.js';
import { planRemoveOwned, planUpsertEntries, type RemovedEntries } from './kubeconfig/plan.js';
import { serializeKubeconfig, updateKubeconfig, type UpdateOptions } from './kubeconfig/write.js';

export interface PaddockClusterCredentials {
  cluster: string;
  /** e.g. https://127.0.0.1:41234 */
  server: string;
  /** Base64 as in a kubeconfig (kubeadm's admin.conf); PEM text is accepted too. */
  certificateAuthorityData: string;
  clientCertificateData: string;
  clientKeyData: string;
}

export interface UpsertPaddockClusterInput extends PaddockClusterCredentials {
  /** Make it the current context (default true, like kind). */
  setCurrent?: boolean;
}

const toData = (v: string): string => (v.trimStart().startsWith('-----BEGIN') ? Buffer.from(v).toString('base64') : v.trim());

function bodies(c: PaddockClusterCredentials, name: string) {
  return {
    cluster: { server: c.server, 'certificate-authority-data': toData(c.certificateAuthorityData) },
    user: { 'client-certificate-data': toData(c.clientCertificateData), 'client-key-data': toData(c.clientKeyData) },
    context: { cluster: name, user: name },
  };
}

/**
 * Adds or replaces the cluster's three entries (in the file already holding
 * each, new ones in the default file) and by default makes it current.
 */
export async function upsertPaddockCluster(input: UpsertPaddockClusterInput, opts: UpdateOptions = {}): Promise<{ context: string; file: string }> {
  validateClusterName(input.cluster);
  const name = contextNameFor(input.cluster);
  const b = bodies(input, name);
  const { result } = await updateKubeconfig(
    (m) =>
      planUpsertEntries(
        m,
        [
          { section: 'clusters', name, body: b.cluster },
          { section: 'users', name, body: b.user },
          { section: 'contexts', name, body: b.context },
        ],
        input.setCurrent === false ? undefined : name,
      ),
    opts,
  );
  return { context: name, file: result.file };
}

/**
 * Removes the cluster's entries from every file, plus contexts the user
 * renamed that still point at its cluster entry; a current context that
 * goes away is unset (kind does the same). Missing entries are fine.
 */
export async function removePaddockCluster(cluster: string, opts: UpdateOptions = {}): Promise<RemovedEntries> {
  const name = contextNameFor(cluster);
  const { result } = await updateKubeconfig((m) => planRemoveOwned(m, { contexts: [name], clusters: [name], users: [name] }), opts);
  return result;
}

/** A standalone kubeconfig for one cluster (`paddock kubeconfig NAME`), current context set. */
export function kubeconfigForCluster(c: PaddockClusterCredentials): string {
  const name = contextNameFor(c.cluster);
  const b = bodies(c, name);
  const doc = newKubeconfigDoc();
  doc.clusters = [{ name, cluster: b.cluster }];
  doc.users = [{ name, user: b.user }];
  doc.contexts = [{ name, context: b.context }];
  doc['current-context'] = name;
  return serializeKubeconfig(doc);
}

/** The shape src/provisioner's create/delete expect (KubeconfigWriter). */
export const paddockKubeconfigWriter = {
  async upsert(cluster: string, creds: Omit<PaddockClusterCredentials, 'cluster'>): Promise<void> {
    await upsertPaddockCluster({ cluster, ...creds });
  },
  async remove(cluster: string): Promise<void> {
    await removePaddockCluster(cluster);
  },
};
