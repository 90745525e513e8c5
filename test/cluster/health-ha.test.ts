/**
 * Control-plane health on an HA cluster (issue 11): with three control
 * planes (no workers, to keep it small) every etcd member is healthy; with
 * one node container stopped, the health card names that member as down
 * while the other two (still a quorum) stay healthy.
 */
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '../support/kube.js';
import { runId, sandbox } from '../support/paddock.js';
import { clusterUnavailableReason, describeIf, TEST_NODE_IMAGE } from '../support/tiers.js';
import { workloadHandlers } from '../../src/kube/resources/handlers.js';
import type { ClusterHealthDetails, OpContext } from '../../src/shared/api.js';

const name = `t${runId()}-hh`;
const context = `paddock-${name}`;
const sb = sandbox();
const ctx: OpContext = { progress: () => undefined, opId: 'test' };
const h = workloadHandlers();
const cps = [`${name}-control-plane`, `${name}-control-plane2`, `${name}-control-plane3`];

describeIf('cluster', await clusterUnavailableReason())('health of an HA control plane (3 control planes, 0 workers)', () => {
  beforeAll(async () => {
    const r = await sb.paddock(['create', '--name', name, '--control-planes', '3', '--workers', '0', '--image', TEST_NODE_IMAGE, '--wait', '10m']);
    if (r.exitCode !== 0) throw new Error(`paddock create failed (${r.exitCode}):\n${r.all}`);
    process.env.KUBECONFIG = sb.kubeconfig;
  }, 20 * 60_000);

  afterAll(async () => {
    h.stopAll();
    await sb.paddock(['delete', name]);
    await sb.cleanup([name]);
  }, 5 * 60_000);

  const byName = (d: ClusterHealthDetails) => Object.fromEntries(d.etcd.members.map((m) => [m.name, m]));

  it('three healthy etcd members, one leader, certificates of each control plane', async () => {
    const d = await h.clusterHealthDetails({ context }, ctx);
    expect(d.etcd.reason).toBeUndefined();
    expect(d.etcd.members.map((m) => m.name).sort()).toEqual(cps);
    expect(d.etcd.members.every((m) => m.healthy)).toBe(true);
    expect(d.etcd.members.filter((m) => m.leader)).toHaveLength(1);
    expect(new Set(d.certificates.certs.filter((c) => c.name === 'apiserver').map((c) => c.node))).toEqual(new Set(cps));
  });

  it('names the stopped control plane as an etcd member down; the other two stay healthy', async () => {
    await execa('docker', ['stop', '-t', '1', cps[2]!]);
    // The load balancer may still send a request to the stopped API server until its check notices.
    const d = await waitFor('the health card to see the member down', 120_000, async () => {
      const r = await h.clusterHealthDetails({ context }, ctx).catch(() => undefined);
      return r && r.etcd.members.length === 3 && byName(r)[cps[2]!]?.healthy === false ? r : undefined;
    });
    const m = byName(d);
    expect(m[cps[0]!]?.healthy).toBe(true);
    expect(m[cps[1]!]?.healthy).toBe(true);
    expect(m[cps[2]!]?.detail).not.toBe('');
    expect(d.etcd.members.filter((x) => x.leader)).toHaveLength(1);
    const health = await h.controlPlaneHealth({ context }, ctx);
    expect(health.checks.find((c) => c.path === '/readyz')?.ok).toBe(true);
  });
});
