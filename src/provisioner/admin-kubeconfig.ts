/**
 * kubeadm's admin.conf, re-pointed at the port published on the host and
 * renamed to the cluster's context. Pure; the kubeconfig module merges it.
 */
import yaml from 'js-yaml';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { contextNameFor } from '../shared/names.js';

export interface AdminCredentials {
  server: string;
  certificateAuthorityData: string;
  clientCertificateData: string;
  clientKeyData: string;
}

interface RawKubeconfig {
  clusters?: { name: string; cluster: { server: string; 'certificate-authority-data'?: string } }[];
  users?: { name: string; user: { 'client-certificate-data'?: string; 'client-key-data'?: string } }[];
}

export function adminCredentials(adminConf: string, server: string): AdminCredentials {
  const doc = yaml.load(adminConf) as RawKubeconfig;
  const cluster = doc?.clusters?.[0]?.cluster;
  const user = doc?.users?.[0]?.user;
  if (!cluster?.['certificate-authority-data'] || !user?.['client-certificate-data'] || !user['client-key-data']) {
    throw new PaddockError(ErrorCodes.KUBEADM_FAILED, "kubeadm's admin.conf lacks the expected certificate data");
  }
  return {
    server,
    certificateAuthorityData: cluster['certificate-authority-data'],
    clientCertificateData: user['client-certificate-data'],
    clientKeyData: user['client-key-data'],
  };
}

export function hostServer(address: string, port: number): string {
  const host = address === '0.0.0.0' || address === '' ? '127.0.0.1' : address;
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** A standalone kubeconfig for one cluster (what `paddock kubeconfig NAME` prints). */
export function standaloneKubeconfig(cluster: string, creds: AdminCredentials): string {
  const name = contextNameFor(cluster);
  return yaml.dump(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { server: creds.server, 'certificate-authority-data': creds.certificateAuthorityData } }],
      users: [{ name, user: { 'client-certificate-data': creds.clientCertificateData, 'client-key-data': creds.clientKeyData } }],
      contexts: [{ name, context: { cluster: name, user: name } }],
      'current-context': name,
      preferences: {},
    },
    { lineWidth: -1 },
  );
}
