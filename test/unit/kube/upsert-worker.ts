/**
 * A separate process that upserts `count` entries named `<prefix>-<i>` into
 * the kubeconfig given by $KUBECONFIG, one locked write each, as fast as it
 * can. Used by the concurrency tests; prints "done <n> repaired <r>".
 * Mode "plain": generic updateKubeconfig writes; mode "paddock": the
 * cluster-entry writer (paddock-<prefix>-<i>, verified after writing).
 */
import { updateKubeconfig } from '../../../src/kube/kubeconfig/write.js';
import { planUpsertEntries } from '../../../src/kube/kubeconfig/plan.js';
import { upsertPaddockCluster } from '../../../src/kube/paddock-entries.js';

const [prefix = 'w', countText = '20', mode = 'plain'] = process.argv.slice(2);
const count = Number(countText);
let n = 0;
let repaired = 0;
async function one(i: number): Promise<void> {
  const name = `${prefix}-${i}`;
  if (mode === 'paddock') {
    const r = await upsertPaddockCluster(
      { cluster: name, server: `https://127.0.0.1:${10000 + i}`, certificateAuthorityData: 'Q0E=', clientCertificateData: 'Qw==', clientKeyData: 'Sw==', setCurrent: false },
      { lock: { timeoutMs: 60_000 } },
    );
    repaired += r.repaired;
  } else {
    await updateKubeconfig(
      (m) =>
        planUpsertEntries(m, [
          { section: 'clusters', name, body: { server: `https://127.0.0.1:${10000 + i}` } },
          { section: 'users', name, body: { token: name } },
          { section: 'contexts', name, body: { cluster: name, user: name } },
        ]),
      { lock: { timeoutMs: 60_000 } },
    );
  }
  n++;
}

if (mode === 'paddock') {
  // Cluster entries are verified for a second after each write; run 5 at a
  // time so 100 of them still interleave densely with the other writer.
  let next = 0;
  await Promise.all(Array.from({ length: 5 }, async () => {
    while (next < count) await one(next++);
  }));
} else {
  for (let i = 0; i < count; i++) await one(i);
}
process.stdout.write(mode === 'paddock' ? `done ${n} repaired ${repaired}\n` : `done ${n}\n`);
