/**
 * The entries Paddock owns: cluster, user and context all named
 * `paddock-<cluster>`, as kind does with `kind-<cluster>`. Cluster create and
 * delete change the user's kubeconfig only through these functions, and
 * they touch nothing else.
 */
import { contextNameFor, validateClusterName } from '../shared/names.js';
import { newKubeconfigDoc } from './kubeconfig/edits.js';
import { loadKubeconfig } from './kubeconfig/load.js';
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

/**
 * Checks at verifyAfterMs and again at 4x that (a stale kubectl write can
 * land late on a loaded machine); `check` repairs and returns false when it
 * found damage, which restarts the wait. At most 3 repairs.
 */
async function verifyLater(opts: UpsertOptions, check: () => Promise<boolean>): Promise<number> {
  const base = opts.verifyAfterMs ?? 250;
  if (base <= 0) return 0;
  let repaired = 0;
  for (let i = 0; i < 2 && repaired < 3; ) {
    await new Promise((r) => setTimeout(r, i === 0 ? base : base * 3));
    if (await check()) i++;
    else {
      repaired++;
      i = 0;
    }
  }
  return repaired;
}

function bodies(c: PaddockClusterCredentials, name: string) {
  return {
    cluster: { server: c.server, 'certificate-authority-data': toData(c.certificateAuthorityData) },
    user: { 'client-certificate-data': toData(c.clientCertificateData), 'client-key-data': toData(c.clientKeyData) },
    context: { cluster: name, user: name },
  };
}

export interface UpsertOptions extends UpdateOptions {
  /**
   * Re-read this long after writing and restore entries that vanished (or,
   * for a removal, came back)
   * (default 250 ms; 0 turns it off). kubectl reads the kubeconfig before it
   * takes the lock and then deletes every entry missing from that stale read
   * (client-go ModifyConfig; kubernetes/kubernetes#28260): a `kubectl config`
   * command started just before Paddock's write silently removes the new
   * cluster's entries. Its read-to-write window is milliseconds.
   */
  verifyAfterMs?: number;
}

/**
 * Adds or replaces the cluster's three entries (in the file already holding
 * each, new ones in the default file) and by default makes it current.
 */
export async function upsertPaddockCluster(input: UpsertPaddockClusterInput, opts: UpsertOptions = {}): Promise<{ context: string; file: string; repaired: number }> {
  validateClusterName(input.cluster);
  const name = contextNameFor(input.cluster);
  const b = bodies(input, name);
  const entries = [
    { section: 'clusters' as const, name, body: b.cluster },
    { section: 'users' as const, name, body: b.user },
    { section: 'contexts' as const, name, body: b.context },
  ];
  const setCurrent = input.setCurrent === false ? undefined : name;
  let previousCurrent: string | undefined;
  const { result } = await updateKubeconfig((m) => {
    previousCurrent = m.currentContext;
    return planUpsertEntries(m, entries, setCurrent);
  }, opts);
  const repaired = await verifyLater(opts, async () => {
    const m = await loadKubeconfig({ files: opts.files, mode: 'read', retries: 3 });
    if (entries.every((e) => m[e.section].has(e.name))) return true;
    // Put back only what is missing; never fight a later change to an entry.
    // The stale write also put back the old current-context: restore ours
    // only if it is exactly that old value (not a context the user chose).
    await updateKubeconfig((fresh) => {
      const reverted = setCurrent !== undefined && previousCurrent !== setCurrent && fresh.currentContext === previousCurrent;
      return planUpsertEntries(
        fresh,
        entries.filter((e) => !fresh[e.section].has(e.name)),
        reverted ? setCurrent : undefined,
      );
    }, opts);
    return false;
  });
  return { context: name, file: result.file, repaired };
}

/**
 * Removes the cluster's entries from every file, plus contexts the user
 * renamed that still point at its cluster entry; a current context that
 * goes away is unset (kind does the same). Missing entries are fine.
 */
export async function removePaddockCluster(cluster: string, opts: UpsertOptions = {}): Promise<RemovedEntries & { repaired: number }> {
  const name = contextNameFor(cluster);
  const owned = { contexts: [name], clusters: [name], users: [name] };
  const { result } = await updateKubeconfig((m) => planRemoveOwned(m, owned), opts);
  // A kubectl command that read the file before this write puts the entries
  // back (it writes every entry it holds that the file lacks): remove again.
  const touched = result.contexts.length + result.clusters.length + result.users.length > 0;
  const repaired = !touched
    ? 0
    : await verifyLater(opts, async () => {
        const m = await loadKubeconfig({ files: opts.files, mode: 'read', retries: 3 });
        if (!m.contexts.has(name) && !m.clusters.has(name) && !m.users.has(name)) return true;
        await updateKubeconfig((fresh) => planRemoveOwned(fresh, owned), opts);
        return false;
      });
  return { ...result, repaired };
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
