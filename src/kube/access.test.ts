/**
 * The RBAC guard against a small real API server that answers
 * SelfSubjectAccessReviews from a rule table and refuses what the rules do
 * not allow, as an RBAC-enabled API server would.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpContext } from '../shared/api.js';
import { accessHandlers, guardWorkloadHandlers } from './access.js';
import { workloadHandlers } from './resources/handlers.js';
import { loadTarget } from './forwards/kube-io.js';
import { useTempKube, writeText, type TempKube } from './kubeconfig/testing.js';
import { json, startHttpServer, type TestServer } from './testing-servers.js';

let t: TempKube;
beforeEach(async () => {
  t = await useTempKube();
});
afterEach(async () => t.restore());
const servers: TestServer[] = [];
afterAll(async () => Promise.all(servers.map((s) => s.close())));

const ctx: OpContext = { opId: 'test', progress: () => {} };

/** May list and get pods (and their logs) in team-a only; nothing else. */
async function teamServer(seen: string[]): Promise<TestServer> {
  const allowed = (a: { verb: string; resource: string; subresource?: string; namespace?: string }) =>
    a.namespace === 'team-a' && a.resource === 'pods' && ['get', 'list', 'watch'].includes(a.verb) && (!a.subresource || a.subresource === 'log');
  const s = await startHttpServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.method === 'POST' && req.url === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const a = (JSON.parse(body) as { spec: { resourceAttributes: Parameters<typeof allowed>[0] } }).spec.resourceAttributes;
        const ok = allowed(a);
        json(res, 201, { kind: 'SelfSubjectAccessReview', status: ok ? { allowed: true, reason: 'RBAC: allowed by RoleBinding "reader/team-a"' } : { allowed: false } });
      });
      return;
    }
    if (req.method === 'GET' && req.url?.startsWith('/api/v1/namespaces/team-a/pods')) {
      return json(res, 200, { kind: 'PodList', metadata: { resourceVersion: '7' }, items: [{ metadata: { name: 'web-1', namespace: 'team-a', uid: 'u1', creationTimestamp: new Date().toISOString() }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Running' } }] });
    }
    const m = /^\/api\/v1\/(namespaces\/([^/]+)\/)?(\w+)/.exec(req.url ?? '');
    return json(res, 403, { kind: 'Status', code: 403, message: `pods is forbidden: User "system:serviceaccount:team-a:reader" cannot ${req.method?.toLowerCase()} resource "${m?.[3] ?? '?'}" in API group "" ${m?.[2] ? `in the namespace "${m[2]}"` : 'at the cluster scope'}` });
  });
  servers.push(s);
  return s;
}

async function setup(seen: string[]) {
  const s = await teamServer(seen);
  await writeText(
    t.config,
    `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: '${s.url}'}}]
users: [{name: reader, user: {token: sa-token}}]
contexts: [{name: team, context: {cluster: c, user: reader, namespace: team-a}}]
current-context: team
`,
  );
  return guardWorkloadHandlers(workloadHandlers());
}

describe('limited RBAC', () => {
  it('accessReview: allowed and denied, each with the reason', async () => {
    await setup([]);
    const { results } = await accessHandlers.accessReview({ context: 'team', checks: [{ verb: 'list', resource: 'pods', namespace: 'team-a' }, { verb: 'delete', resource: 'pods', namespace: 'team-a', name: 'web-1' }] }, ctx);
    expect(results[0]).toMatchObject({ allowed: true });
    expect(results[1]).toMatchObject({ allowed: false, reason: expect.stringContaining('may not delete pods "web-1" in namespace "team-a"') });
  });

  it('an action the user may not do is refused before anything is sent, with verb, resource, namespace and a remedy', async () => {
    const seen: string[] = [];
    const h = await setup(seen);
    await expect(h.deletePod({ context: 'team', namespace: 'team-a', name: 'web-1' }, ctx)).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('may not delete pods "web-1" in namespace "team-a"'),
      remedy: expect.stringContaining('kubectl auth can-i delete pods -n team-a'),
    });
    await expect(h.cordonNode({ context: 'team', node: 'n1', unschedulable: true }, ctx)).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('may not patch nodes "n1"') });
    expect(seen.filter((r) => !r.startsWith('POST /apis/authorization'))).toEqual([]);
  });

  it('every namespace forbidden: the rows of the context namespace, marked narrowedTo with the reason', async () => {
    const h = await setup([]);
    const list = await h.listResources({ context: 'team', kind: 'Pod' }, ctx);
    expect(list.rows.map((r) => r.name)).toEqual(['web-1']);
    expect(list.narrowedTo).toEqual({ namespace: 'team-a', reason: expect.stringContaining('may not list pods in every namespace') });
  });

  it('a namespace the user may not read: FORBIDDEN with the server message, not a bare HTTP error', async () => {
    const h = await setup([]);
    await expect(h.listResources({ context: 'team', kind: 'Pod', namespace: 'kube-system' }, ctx)).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('in the namespace "kube-system"') });
    await expect(h.listResources({ context: 'team', kind: 'Node' }, ctx)).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('may not list nodes') });
  });

  it('any other op the server refuses (here: the YAML of a secret) is FORBIDDEN with the server message', async () => {
    const h = await setup([]);
    await expect(h.getResourceYaml({ context: 'team', kind: 'Secret', namespace: 'team-a', name: 'db' }, ctx)).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('User "system:serviceaccount:team-a:reader" cannot get resource "secrets"'),
    });
  });
});

describe('a forward whose context disappears', () => {
  it('names the context and the file it was saved from', async () => {
    await writeText(t.config, 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n');
    await expect(loadTarget({ context: 'gone', kubeconfig: `${t.dir}/team.yaml` })).rejects.toMatchObject({
      code: 'CONTEXT_NOT_FOUND',
      message: expect.stringMatching(/context "gone" is gone: it was saved from .*team\.yaml, which no longer exists/),
    });
    await writeText(`${t.dir}/team.yaml`, 'apiVersion: v1\nkind: Config\ncontexts: [{name: other, context: {cluster: c, user: u}}]\n');
    await expect(loadTarget({ context: 'gone', kubeconfig: `${t.dir}/team.yaml` })).rejects.toMatchObject({ message: expect.stringContaining('which no longer has it') });
  });
});
