import { describe, expect, it } from 'vitest';
import { etcdMembers, kubeadmCerts, parseEtcdJson } from './health.js';

describe('control-plane health details', () => {
  it('keeps etcd uint64 ids exact and maps members to health, version and leader', () => {
    const list = parseEtcdJson<{ members: { ID: string; name: string; clientURLs: string[] }[] }>(
      '{"header":{"cluster_id":14841639068965178418,"member_id":10276657743932975437},"members":[{"ID":10276657743932975437,"name":"cp1","clientURLs":["https://10.0.0.2:2379"]},{"ID":1234567890123456789,"name":"cp2","clientURLs":["https://10.0.0.3:2379"]}]}',
    );
    expect(list.members[0]!.ID).toBe('10276657743932975437');
    const etcd = etcdMembers(
      list,
      [
        { endpoint: 'https://10.0.0.2:2379', health: true, took: '3ms' },
        { endpoint: 'https://10.0.0.3:2379', health: false, error: 'context deadline exceeded' },
      ],
      [{ Endpoint: 'https://10.0.0.2:2379', Status: { header: { member_id: '10276657743932975437' }, version: '3.6.4', leader: '10276657743932975437' } }],
      'etcdctl in etcd-cp1',
    );
    expect(etcd.members).toEqual([
      { name: 'cp1', id: BigInt('10276657743932975437').toString(16), clientURLs: ['https://10.0.0.2:2379'], healthy: true, detail: 'healthy, answered in 3ms', version: '3.6.4', leader: true },
      { name: 'cp2', id: BigInt('1234567890123456789').toString(16), clientURLs: ['https://10.0.0.3:2379'], healthy: false, detail: 'context deadline exceeded', leader: false },
    ]);
  });

  it('turns kubeadm check-expiration output into rows with days left, skipping missing ones', () => {
    const in400 = new Date(Date.now() + 400.5 * 86_400_000).toISOString();
    const rows = kubeadmCerts(
      {
        certificates: [
          { name: 'apiserver', expirationDate: in400, caName: 'ca' },
          { name: 'front-proxy-client', expirationDate: in400, missing: true },
        ],
        certificateAuthorities: [{ name: 'ca', expirationDate: in400 }],
      },
      'cp1',
    );
    expect(rows).toEqual([
      { name: 'apiserver', expires: in400, residualDays: 400, authority: 'ca', node: 'cp1' },
      { name: 'ca (CA)', expires: in400, residualDays: 400, node: 'cp1' },
    ]);
  });
});
