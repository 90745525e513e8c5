import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { discoveryKubeconfig, pointKubeletConfAtRotatedCert, workerKubeletFiles, workerKubeletStartConfig } from './kubelet-credentials.js';

describe('kubelet.conf and discovery files', () => {
  it('points kubelet.conf at the rotated certificate file instead of the embedded one', () => {
    const conf = yaml.dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'dev', cluster: { server: 'https://dev-control-plane:6443', 'certificate-authority-data': 'Q0E=' } }],
      users: [{ name: 'system:node:dev-worker', user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' } }],
      contexts: [{ name: 'c', context: { cluster: 'dev', user: 'system:node:dev-worker' } }],
      'current-context': 'c',
    });
    const out = yaml.load(pointKubeletConfAtRotatedCert(conf)) as any;
    expect(out.users[0].user).toEqual({
      'client-certificate': '/var/lib/kubelet/pki/kubelet-client-current.pem',
      'client-key': '/var/lib/kubelet/pki/kubelet-client-current.pem',
    });
    expect(out.clusters[0].cluster.server).toBe('https://dev-control-plane:6443');
  });

  it("gives a worker its certificate where the kubelet's rotation keeps it, and a kubelet.conf naming it", () => {
    const conf = yaml.dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'dev', cluster: { server: 'https://dev-control-plane:6443', 'certificate-authority-data': 'Q0E=' } }],
      users: [{ name: 'system:node:dev-worker', user: { 'client-certificate-data': Buffer.from('CERT\n').toString('base64'), 'client-key-data': Buffer.from('KEY\n').toString('base64') } }],
      contexts: [{ name: 'c', context: { cluster: 'dev', user: 'system:node:dev-worker' } }],
      'current-context': 'c',
    });
    const [pem, link, kubeletConf] = workerKubeletFiles(conf, new Date('2026-11-26T04:52:36.123Z'));
    // The kubelet's file store names them so, and rotates only through a link.
    expect(pem).toEqual({ path: '/var/lib/kubelet/pki/kubelet-client-2026-11-26-04-52-36.pem', content: 'CERT\nKEY\n', mode: '0600' });
    expect(link).toEqual({ path: '/var/lib/kubelet/pki/kubelet-client-current.pem', content: 'kubelet-client-2026-11-26-04-52-36.pem', mode: 'link' });
    expect(kubeletConf!.mode).toBe('0600');
    expect((yaml.load(kubeletConf!.content) as any).users[0].user).toEqual({
      'client-certificate': '/var/lib/kubelet/pki/kubelet-client-current.pem',
      'client-key': '/var/lib/kubelet/pki/kubelet-client-current.pem',
    });
  });

  it('refuses a kubeconfig without a client certificate', () => {
    expect(() => workerKubeletFiles(yaml.dump({ users: [{ name: 'u', user: { token: 'x' } }] }))).toThrow(/without a client certificate/);
  });

  it('writes a discovery kubeconfig with the CA and no credentials', () => {
    const out = yaml.load(discoveryKubeconfig('dev', 'https://dev-control-plane:6443', 'PEM')) as any;
    expect(out.clusters[0]).toEqual({ name: 'dev', cluster: { server: 'https://dev-control-plane:6443', 'certificate-authority-data': Buffer.from('PEM').toString('base64') } });
    expect(out.users[0]).toEqual({ name: 'discovery', user: {} });
    expect(out['current-context']).toBe('discovery');
  });
});

describe("a worker's kubelet started without kubeadm join", () => {
  const cluster = `apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
clusterName: dev
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
nodeRegistration: {name: dev-control-plane}
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
`;
  const worker = (registration: string, extra = '') => `apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery: {file: {kubeConfigPath: /kind/discovery.conf}}
nodeRegistration: ${registration}
${extra}---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
maxPods: 7
`;
  const docsOf = (text: string) => yaml.loadAll(text) as any[];

  it("takes the worker's registration and the first node's cluster documents", () => {
    const docs = docsOf(workerKubeletStartConfig(worker("{name: dev-worker, kubeletExtraArgs: [{name: node-labels, value: 'tier=web'}]}", 'patches: {directory: /kind/patches}\n'), cluster, '172.18.0.3'));
    expect(docs.map((d) => d.kind)).toEqual(['InitConfiguration', 'ClusterConfiguration', 'KubeletConfiguration']);
    expect(docs[0]).toEqual({
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      kind: 'InitConfiguration',
      localAPIEndpoint: { advertiseAddress: '172.18.0.3', bindPort: 6443 },
      // No taints: InitConfiguration would default to the control plane's.
      nodeRegistration: { name: 'dev-worker', kubeletExtraArgs: [{ name: 'node-labels', value: 'tier=web' }], taints: [] },
      patches: { directory: '/kind/patches' },
    });
    // The cluster's kubelet configuration, as join downloads it; not the worker document's.
    expect(docs[2]).toEqual({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', cgroupDriver: 'systemd', authentication: { x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' } } });
    // The CA without its key would look like an external CA to kubeadm.
    expect(docs[1].certificatesDir).toBe('/kind/kubelet-start-pki');
  });

  it("passes the worker's taints as the kubelet flag kubeadm join writes, in either kubeletExtraArgs form", () => {
    const list = docsOf(workerKubeletStartConfig(worker('{name: w, taints: [{key: dedicated, value: backend, effect: NoSchedule}, {key: gpu, effect: NoExecute}]}'), cluster, '10.0.0.2'));
    expect(list[0].nodeRegistration.kubeletExtraArgs).toEqual([{ name: 'register-with-taints', value: 'dedicated=backend:NoSchedule,gpu:NoExecute' }]);
    expect(list[0].nodeRegistration.taints).toEqual([]);
    const map = docsOf(workerKubeletStartConfig(worker("{name: w, kubeletExtraArgs: {node-ip: '10.0.0.2'}, taints: [{key: a, effect: NoSchedule}]}"), cluster, '10.0.0.2'));
    expect(map[0].nodeRegistration.kubeletExtraArgs).toEqual({ 'node-ip': '10.0.0.2', 'register-with-taints': 'a:NoSchedule' });
    // A flag the user set wins.
    const own = docsOf(workerKubeletStartConfig(worker("{name: w, kubeletExtraArgs: [{name: register-with-taints, value: 'x:NoSchedule'}], taints: [{key: a, effect: NoSchedule}]}"), cluster, '10.0.0.2'));
    expect(own[0].nodeRegistration.kubeletExtraArgs).toEqual([{ name: 'register-with-taints', value: 'x:NoSchedule' }]);
  });

  it('keeps a CA path the cluster configuration names', () => {
    const docs = docsOf(workerKubeletStartConfig(worker('{name: w}'), cluster.replace('clusterName: dev', 'clusterName: dev\ncertificatesDir: /etc/pki/k8s'), '10.0.0.2'));
    expect(docs[2].authentication.x509.clientCAFile).toBe('/etc/pki/k8s/ca.crt');
  });
});
