/**
 * A separate process that upserts `count` entries named `<prefix>-<i>` into
 * the kubeconfig given by $KUBECONFIG, one locked write each, as fast as it
 * can. Used by the concurrency tests; prints "done <n>" on success.
 */
import { updateKubeconfig } from '../../../src/kube/kubeconfig/write.js';
import { planUpsertEntries } from '../../../src/kube/kubeconfig/plan.js';

const [prefix = 'w', countText = '20'] = process.argv.slice(2);
const count = Number(countText);
let n = 0;
for (let i = 0; i < count; i++) {
  const name = `${prefix}-${i}`;
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
process.stdout.write(`done ${n}\n`);
