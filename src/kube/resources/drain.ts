/**
 * Drain as kubectl does it: cordon, then evict every pod of the node through
 * the Eviction API, so PodDisruptionBudgets are respected (a 429 means "not
 * now": retried until the deadline). DaemonSet pods are ignored (their
 * controller would put them right back) and static (mirror) pods cannot be
 * evicted; pods without a controller are refused unless forced, because
 * nothing would recreate them.
 */
import type { OpContext } from '../../shared/api.js';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { Progress } from '../../shared/progress.js';
import type { KubeObject } from './descriptors.js';
import { call, rawRequest, apiMessage, type Conn } from './http.js';

export interface DrainPlan {
  evict: KubeObject[];
  skip: { pod: string; reason: string }[];
  /** Pods nothing would recreate (refused unless forced). */
  unmanaged: string[];
}

const id = (p: KubeObject) => `${p.metadata?.namespace}/${p.metadata?.name}`;

/** Pure: which pods of a node a drain evicts, and why the others stay. */
export function planDrain(pods: KubeObject[], opts: { force?: boolean } = {}): DrainPlan {
  const plan: DrainPlan = { evict: [], skip: [], unmanaged: [] };
  for (const p of pods) {
    const owner = p.metadata?.ownerReferences?.find((r) => (r as { controller?: boolean }).controller) ?? p.metadata?.ownerReferences?.[0];
    if (p.metadata?.annotations?.['kubernetes.io/config.mirror']) plan.skip.push({ pod: id(p), reason: 'static pod (the kubelet runs it from a file)' });
    else if (owner?.kind === 'DaemonSet') plan.skip.push({ pod: id(p), reason: 'DaemonSet pod' });
    else if (p.metadata?.deletionTimestamp) plan.skip.push({ pod: id(p), reason: 'already terminating' });
    else {
      if (!owner && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') plan.unmanaged.push(id(p));
      plan.evict.push(p);
    }
  }
  if (opts.force) plan.unmanaged = [];
  return plan;
}

export async function drainNode(conn: Conn, node: string, opts: { force?: boolean; timeoutSeconds?: number }, ctx: OpContext) {
  const progress = new Progress(ctx.opId, ctx.progress);
  const deadline = Date.now() + (opts.timeoutSeconds ?? 120) * 1000;
  await progress.step('cordon', `Cordon ${node}`, () =>
    call(conn, 'PATCH', `/api/v1/nodes/${encodeURIComponent(node)}`, { body: { spec: { unschedulable: true } }, contentType: 'application/merge-patch+json' }),
  );
  const pods = await call<{ items: KubeObject[] }>(conn, 'GET', `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`);
  const plan = planDrain(pods.items, opts);
  for (const s of plan.skip) progress.log(`ignored ${s.pod}: ${s.reason}`);
  if (plan.unmanaged.length) {
    throw new PaddockError(ErrorCodes.USAGE, `these pods have no controller and would not come back: ${plan.unmanaged.join(', ')}`, {
      remedy: 'delete them yourself, or drain with force to evict them anyway; the node stays cordoned',
    });
  }
  const evicted: string[] = [];
  await Promise.all(
    plan.evict.map((p) =>
      progress.step(`evict-${id(p)}`, `Evict ${id(p)}`, async () => {
        const ns = encodeURIComponent(p.metadata?.namespace ?? 'default');
        const name = encodeURIComponent(p.metadata?.name ?? '');
        const body = JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: p.metadata?.name, namespace: p.metadata?.namespace } });
        let told = false;
        for (;;) {
          const r = await rawRequest(conn, 'POST', `/api/v1/namespaces/${ns}/pods/${name}/eviction`, { body });
          if (r.status === 404 || (r.status >= 200 && r.status < 300)) break;
          // 429: a PodDisruptionBudget allows no disruption now; kubectl waits and tries again.
          if (r.status !== 429) throw new PaddockError(ErrorCodes.INTERNAL, `evicting ${id(p)}: ${apiMessage(r)} (HTTP ${r.status})`);
          if (!told) progress.log(`waiting for ${id(p)}: ${apiMessage(r)}`, `evict-${id(p)}`);
          told = true;
          if (Date.now() > deadline) {
            throw new PaddockError(ErrorCodes.TIMEOUT, `${id(p)} was not evicted: ${apiMessage(r)}`, {
              remedy: 'a PodDisruptionBudget protects it: add replicas elsewhere, relax the budget, or try again later; the node stays cordoned',
            });
          }
          await new Promise((res) => setTimeout(res, 2000));
        }
        // Evicted: wait until the pod is really gone, as kubectl does.
        while (Date.now() < deadline) {
          const r = await rawRequest(conn, 'GET', `/api/v1/namespaces/${ns}/pods/${name}`);
          if (r.status === 404) break;
          const o = JSON.parse(r.body) as KubeObject;
          if (o.metadata?.uid !== p.metadata?.uid) break;
          await new Promise((res) => setTimeout(res, 1000));
        }
        evicted.push(id(p));
      }),
    ),
  );
  return { evicted: evicted.sort(), ignored: plan.skip };
}
