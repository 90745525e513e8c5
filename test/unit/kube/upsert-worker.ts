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
for (let i = 0; i < count; i++) {
  const name = `${prefix}-${i}`;
  if (mode === 'paddock') {
    const r = await upsertPaddockCluster(
      { cluster: name, server: `https://127.0.0.1:${10000 + i}`, certificateAuthorityData: 'Q0E=', clientCertificateData: 'Qw==', clientKeyData: 'Sw==', setCurrent: false },
      { lock: { timeoutMs: 60_000 }, verifyAfterMs: 100 },
    );
    repaired += r.repaired;
    n++;
    continue;
  }
  await updateKubeconfig(
    (m) =>
      planUpsertEntries(m, [
        { section: 'clusters', name, body: { server: `https://127.0.0.1:${10000 + i}` } },
        { section: 'users', name, body: { token: name } },
        { section: 'contexts', name, body: { cluster: name, user: name } },
      ]),
    { lock: { timeoutMs: 60_000 } },
  );
  n++;
}
process.stdout.write(mode === 'paddock' ? `done ${n} repaired ${repaired}\n` : `done ${n}\n`);
