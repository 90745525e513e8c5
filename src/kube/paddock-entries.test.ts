import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kubeconfigForCluster, paddockKubeconfigWriter, removePaddockCluster, upsertPaddockCluster } from './paddock-entries.js';
import { parseKubeconfig } from './kubeconfig/load.js';
import { useTempKube, writeText, type TempKube } from './kubeconfig/testing.js';
import type { KubeconfigWriter } from '../provisioner/create.js';

// The provisioner's create/delete take this writer as it is.
const _writer: KubeconfigWriter = paddockKubeconfigWriter;
void _writer;

let t: TempKube;
beforeEach(async () => {
  t = await useTempKube();
});
afterEach(async () => t.restore());

const creds = { server: 'https://127.0.0.1:40001', certificateAuthorityData: 'Q0E=', clientCertificateData: 'Q0VSVA==', clientKeyData: 'S0VZ' };
const read = async (f: string) => parseKubeconfig(await fs.readFile(f, 'utf8'), f);
const names = (d: Record<string, unknown>, s: string) => ((d[s] as { name: string }[] | null) ?? []).map((e) => e.name);

const userFile = `apiVersion: v1
kind: Config
clusters:
- {name: gke, cluster: {server: 'https://gke'}}
users:
- {name: me, user: {token: t}}
contexts:
- {name: gke, context: {cluster: gke, user: me}}
current-context: gke
x-other-tool: {keep: true}
`;

describe('Paddock entries', () => {
  it('create into a missing ~/.kube/config: three paddock-<name> entries, current, mode 0600', async () => {
    const r = await upsertPaddockCluster({ cluster: 'dev', ...creds });
    expect(r).toEqual({ context: 'paddock-dev', file: t.config, repaired: 0 });
    const d = await read(t.config);
    expect(d.clusters).toEqual([{ name: 'paddock-dev', cluster: { server: creds.server, 'certificate-authority-data': 'Q0E=' } }]);
    expect(d.users).toEqual([{ name: 'paddock-dev', user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' } }]);
    expect(d.contexts).toEqual([{ name: 'paddock-dev', context: { cluster: 'paddock-dev', user: 'paddock-dev' } }]);
    expect(d['current-context']).toBe('paddock-dev');
    expect((await fs.stat(t.config)).mode & 0o777).toBe(0o600);
  });

  it('merges into the user file without touching anything else; setCurrent false keeps current', async () => {
    await writeText(t.config, userFile);
    await upsertPaddockCluster({ cluster: 'dev', ...creds, setCurrent: false });
    const d = await read(t.config);
    expect(names(d, 'contexts')).toEqual(['gke', 'paddock-dev']);
    expect(d['current-context']).toBe('gke');
    expect(d['x-other-tool']).toEqual({ keep: true });
  });

  it('re-create replaces the entries in place (new port, new certs)', async () => {
    await upsertPaddockCluster({ cluster: 'dev', ...creds });
    await upsertPaddockCluster({ cluster: 'dev', ...creds, server: 'https://127.0.0.1:40002', certificateAuthorityData: '-----BEGIN CERTIFICATE-----\nx\n' });
    const d = await read(t.config);
    expect(names(d, 'clusters')).toEqual(['paddock-dev']);
    expect(d.clusters).toEqual([
      { name: 'paddock-dev', cluster: { server: 'https://127.0.0.1:40002', 'certificate-authority-data': Buffer.from('-----BEGIN CERTIFICATE-----\nx\n').toString('base64') } },
    ]);
  });

  it('delete removes them and unsets current-context; other entries stay', async () => {
    await writeText(t.config, userFile);
    await paddockKubeconfigWriter.upsert('dev', creds);
    const removed = await removePaddockCluster('dev');
    expect(removed).toEqual({ contexts: ['paddock-dev'], clusters: ['paddock-dev'], users: ['paddock-dev'], unsetCurrent: true, repaired: 0 });
    const d = await read(t.config);
    expect(names(d, 'contexts')).toEqual(['gke']);
    expect(names(d, 'clusters')).toEqual(['gke']);
    expect(d['current-context']).toBe('');
    expect(d['x-other-tool']).toEqual({ keep: true });
  });

  it('delete of a cluster with no entries changes nothing', async () => {
    await writeText(t.config, userFile);
    const before = await fs.readFile(t.config, 'utf8');
    await paddockKubeconfigWriter.remove('ghost');
    expect(await fs.readFile(t.config, 'utf8')).toBe(before);
  });

  it('with KUBECONFIG=a:b new entries go to the first existing file', async () => {
    const a = path.join(t.dir, 'a');
    const b = path.join(t.dir, 'b');
    await writeText(b, userFile);
    process.env.KUBECONFIG = `${a}:${b}`;
    expect((await upsertPaddockCluster({ cluster: 'x', ...creds })).file).toBe(b);
    await expect(fs.stat(a)).rejects.toThrow();
  });

  it("restores entries a stale kubectl write removed right after Paddock's write", async () => {
    await writeText(t.config, userFile);
    const pending = upsertPaddockCluster({ cluster: 'dev', ...creds }, { verifyAfterMs: 400 });
    // Wait for Paddock's write, then do what kubectl does with a config it read
    // before that write: put back the old content (and old current-context).
    while (!(await fs.readFile(t.config, 'utf8')).includes('paddock-dev')) await new Promise((r) => setTimeout(r, 10));
    await fs.writeFile(t.config, userFile);
    const r = await pending;
    expect(r.repaired).toBe(1);
    const d = await read(t.config);
    expect(names(d, 'contexts')).toEqual(['gke', 'paddock-dev']);
    expect(names(d, 'users')).toEqual(['me', 'paddock-dev']);
    expect(d['current-context']).toBe('paddock-dev');
  });

  it('after a stale write, a current-context the user chose meanwhile is kept', async () => {
    await writeText(t.config, userFile);
    const pending = upsertPaddockCluster({ cluster: 'dev', ...creds }, { verifyAfterMs: 400 });
    while (!(await fs.readFile(t.config, 'utf8')).includes('paddock-dev')) await new Promise((r) => setTimeout(r, 10));
    await fs.writeFile(t.config, userFile.replace('current-context: gke', 'current-context: other'));
    expect((await pending).repaired).toBe(1);
    expect((await read(t.config))['current-context']).toBe('other');
  });

  it('removes again entries a stale kubectl write put back', async () => {
    await writeText(t.config, userFile);
    await upsertPaddockCluster({ cluster: 'dev', ...creds }, { verifyAfterMs: 0 });
    const withEntries = await fs.readFile(t.config, 'utf8');
    const pending = removePaddockCluster('dev', { verifyAfterMs: 400 });
    while ((await fs.readFile(t.config, 'utf8')).includes('paddock-dev')) await new Promise((r) => setTimeout(r, 10));
    await fs.writeFile(t.config, withEntries);
    expect((await pending).repaired).toBe(1);
    const d = await read(t.config);
    expect(names(d, 'contexts')).toEqual(['gke']);
    expect(d['current-context']).toBe('');
  });

  it('refuses an invalid cluster name', async () => {
    await expect(upsertPaddockCluster({ cluster: 'Bad Name', ...creds })).rejects.toMatchObject({ code: 'INVALID_NAME' });
  });

  it('standalone kubeconfig for `paddock kubeconfig NAME`', () => {
    const d = parseKubeconfig(kubeconfigForCluster({ cluster: 'dev', ...creds }), 'x');
    expect(d['current-context']).toBe('paddock-dev');
    expect(names(d, 'users')).toEqual(['paddock-dev']);
    expect(d.kind).toBe('Config');
  });
});
