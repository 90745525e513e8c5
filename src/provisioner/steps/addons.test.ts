import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { fastCoreDns } from './addons.js';

const printed = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: coredns
        readinessProbe:
          httpGet: {path: /ready, port: 8181}
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
spec:
  clusterIP: 10.96.0.10
`;

describe('fastCoreDns', () => {
  it('sets a 1 s readiness period on the CoreDNS container and keeps every other object', () => {
    const docs = yaml.loadAll(fastCoreDns(printed)) as Array<{ kind: string; spec: any }>;
    expect(docs.map((d) => d.kind)).toEqual(['Deployment', 'Service']);
    expect(docs[0]!.spec.template.spec.containers[0].readinessProbe).toEqual({ httpGet: { path: '/ready', port: 8181 }, periodSeconds: 1 });
    expect(docs[1]!.spec.clusterIP).toBe('10.96.0.10');
  });

  it('keeps the two replicas kubeadm asks for, except on a single node', () => {
    const replicas = (text: string) => (yaml.loadAll(text) as Array<{ spec: { replicas?: number } }>)[0]!.spec.replicas;
    expect(replicas(fastCoreDns(printed))).toBe(2);
    expect(replicas(fastCoreDns(printed, { singleNode: true }))).toBe(1);
  });

  it('fails clearly when kubeadm printed no CoreDNS Deployment', () => {
    expect(() => fastCoreDns('kind: Service\n')).toThrow(/no CoreDNS Deployment/);
  });
});
