import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { renderKubeadmConfig, type KubeadmNodeData } from './config.js';
import { mergePatch } from './patches.js';

const base: KubeadmNodeData = {
  clusterName: 'dev',
  kubernetesVersion: 'v1.36.3',
  nodeName: 'dev-control-plane',
  nodeIp: '172.30.0.2',
  role: 'control-plane',
  bootstrap: true,
  controlPlaneEndpoint: 'dev-control-plane:6443',
  podSubnet: '10.244.0.0/16',
  serviceSubnet: '10.96.0.0/16',
  kubeProxyMode: 'iptables',
  token: 'abcdef.0123456789abcdef',
  certificateKey: 'a'.repeat(64),
  certSANs: ['localhost', '127.0.0.1'],
  labels: {},
  featureGates: {},
  runtimeConfig: {},
  minor: 36,
  ha: false,
};

const docs = (text: string) => yaml.loadAll(text) as Record<string, any>[];
const byKind = (text: string, kind: string) => docs(text).find((d) => d.kind === kind)!;

describe('kubeadm config rendering', () => {
  it('renders init config with the settings this host needs', () => {
    const text = renderKubeadmConfig({ ...base, taints: [] });
    expect(docs(text).map((d) => d.kind)).toEqual(['ClusterConfiguration', 'InitConfiguration', 'KubeletConfiguration', 'KubeProxyConfiguration']);
    const init = byKind(text, 'InitConfiguration');
    expect(init.skipPhases).toEqual(['preflight', 'kubelet-finalize', 'addon/coredns']);
    expect(init.nodeRegistration.taints).toEqual([]);
    expect(init.nodeRegistration.kubeletExtraArgs).toEqual([{ name: 'node-ip', value: '172.30.0.2' }]);
    const kubelet = byKind(text, 'KubeletConfiguration');
    expect(kubelet).toMatchObject({ failCgroupV1: false, cgroupDriver: 'systemd', cgroupRoot: '/kubelet', failSwapOn: false });
    expect(byKind(text, 'ClusterConfiguration').encryptionAlgorithm).toBe('ECDSA-P256');
    expect(byKind(text, 'ClusterConfiguration').controllerManager.extraArgs).toContainEqual({ name: 'leader-elect', value: 'false' });
    const ha = byKind(renderKubeadmConfig({ ...base, ha: true }), 'ClusterConfiguration');
    expect(ha.controllerManager.extraArgs.map((a: { name: string }) => a.name)).not.toContain('leader-elect');
  });

  it('renders joins for workers and control planes', () => {
    const worker = byKind(renderKubeadmConfig({ ...base, bootstrap: false, role: 'worker', nodeName: 'dev-worker', labels: { tier: 'a', zone: 'z1' } }), 'JoinConfiguration');
    expect(worker.controlPlane).toBeUndefined();
    expect(worker.discovery.bootstrapToken.apiServerEndpoint).toBe('dev-control-plane:6443');
    expect(worker.nodeRegistration.kubeletExtraArgs).toContainEqual({ name: 'node-labels', value: 'tier=a,zone=z1' });
    const cp = byKind(renderKubeadmConfig({ ...base, bootstrap: false }), 'JoinConfiguration');
    expect(cp.controlPlane.certificateKey).toBe(base.certificateKey);
    const byFile = byKind(renderKubeadmConfig({ ...base, bootstrap: false, role: 'worker', discoveryFile: '/kind/discovery.conf' }), 'JoinConfiguration');
    expect(byFile.discovery).toEqual({ file: { kubeConfigPath: '/kind/discovery.conf' }, tlsBootstrapToken: base.token });
  });

  it("applies kind's v1beta3-style map patches onto v1beta4 arg lists, merged by name", () => {
    const patch = 'kind: InitConfiguration\nnodeRegistration:\n  kubeletExtraArgs:\n    node-labels: "ingress-ready=true"\n';
    const init = byKind(renderKubeadmConfig(base, { strategic: [patch], json6902: [] }), 'InitConfiguration');
    expect(init.nodeRegistration.kubeletExtraArgs).toEqual([
      { name: 'node-ip', value: '172.30.0.2' },
      { name: 'node-labels', value: 'ingress-ready=true' },
    ]);
  });

  it('applies a strategic patch only to the kind (and group) it names', () => {
    const patch = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nmaxPods: 50\n';
    const text = renderKubeadmConfig(base, { strategic: [patch], json6902: [] });
    expect(byKind(text, 'KubeletConfiguration').maxPods).toBe(50);
    expect(byKind(text, 'ClusterConfiguration').maxPods).toBeUndefined();
  });

  it('applies JSON 6902 patches by group/version/kind', () => {
    const text = renderKubeadmConfig(base, {
      strategic: [],
      json6902: [{ group: 'kubeadm.k8s.io', version: 'v1beta4', kind: 'ClusterConfiguration', patch: '- op: add\n  path: /apiServer/certSANs/-\n  value: my-host\n' }],
    });
    expect(byKind(text, 'ClusterConfiguration').apiServer.certSANs).toEqual(['localhost', '127.0.0.1', 'my-host']);
  });

  it('reports a JSON 6902 patch that does not apply', () => {
    expect(() =>
      renderKubeadmConfig(base, { strategic: [], json6902: [{ group: 'kubeadm.k8s.io', version: 'v1beta4', kind: 'ClusterConfiguration', patch: '- op: replace\n  path: /nope/x\n  value: 1\n' }] }),
    ).toThrow(/does not apply/);
  });

  it('runs the control plane with a smaller Go heap slack (GOGC=25), which a patch can override by name', () => {
    const cc = byKind(renderKubeadmConfig(base), 'ClusterConfiguration');
    for (const c of [cc.apiServer, cc.controllerManager, cc.scheduler, cc.etcd.local]) expect(c.extraEnvs).toEqual([{ name: 'GOGC', value: '25' }]);
    const patch = 'kind: ClusterConfiguration\napiServer:\n  extraEnvs:\n    GOGC: "100"\n    GOMEMLIMIT: 1GiB\n';
    const patched = byKind(renderKubeadmConfig(base, { strategic: [patch], json6902: [] }), 'ClusterConfiguration');
    expect(patched.apiServer.extraEnvs).toEqual([
      { name: 'GOGC', value: '100' },
      { name: 'GOMEMLIMIT', value: '1GiB' },
    ]);
    expect(patched.etcd.local.extraEnvs).toEqual([{ name: 'GOGC', value: '25' }]);
  });

  it('merges maps deeply, replaces lists and deletes on null', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: 3 }, l: [9] })).toEqual({ a: { b: 1, c: 3 }, l: [9] });
    expect(mergePatch({ a: 1, b: 2 }, { a: null })).toEqual({ b: 2 });
  });
});
