import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { probeContext, targetForContext } from './client.js';
import { listNamespacesOf } from './contexts.js';
import { loadKubeconfig } from './kubeconfig/load.js';
import { useTempKube, writeText, type TempKube } from './kubeconfig/testing.js';
import { closedPortUrl, hasOpenssl, startConnectProxy, json, makePki, startBlackhole, startHttpServer, startHttpsServer, type Pki, type TestServer } from './testing-servers.js';

let t: TempKube;
beforeEach(async () => {
  t = await useTempKube();
});
afterEach(async () => t.restore());

const servers: TestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** A fake API server that wants `Bearer <token>`. */
async function tokenServer(token: string): Promise<TestServer> {
  const s = await startHttpServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) return json(res, 401, { kind: 'Status', code: 401 });
    if (req.url === '/version') return json(res, 200, { gitVersion: 'v1.33.1' });
    if (req.url === '/api') return json(res, 200, { kind: 'APIVersions', versions: ['v1'] });
    if (req.url === '/api/v1/namespaces') return json(res, 200, { items: [{ metadata: { name: 'kube-system' } }, { metadata: { name: 'default' } }] });
    if (req.url === '/forbidden/api/v1/namespaces') return json(res, 403, {});
    return json(res, 404, {});
  });
  servers.push(s);
  return s;
}

const section = (v: string) => (v.startsWith('[') ? ` ${v}` : `\n${v}`);
const kubeconfig = (clusters: string, users: string, contexts: string) => `apiVersion: v1
kind: Config
clusters:${section(clusters)}
users:${section(users)}
contexts:${section(contexts)}
`;

describe('probe (any HTTP answer means reachable)', () => {
  it('reports ok / unauthorized / unreachable / timeout, all in parallel within the deadline', async () => {
    const good = await tokenServer('sesame');
    const hole = await startBlackhole();
    servers.push(hole);
    const closed = await closedPortUrl();
    await writeText(
      t.config,
      kubeconfig(
        `- {name: good, cluster: {server: '${good.url}'}}
- {name: hole, cluster: {server: '${hole.url}', insecure-skip-tls-verify: true}}
- {name: closed, cluster: {server: '${closed}', insecure-skip-tls-verify: true}}`,
        `- {name: right, user: {token: sesame}}
- {name: wrong, user: {token: nope}}`,
        `- {name: ok, context: {cluster: good, user: right}}
- {name: unauth, context: {cluster: good, user: wrong}}
- {name: hung, context: {cluster: hole, user: right}}
- {name: refused, context: {cluster: closed, user: right}}`,
      ),
    );
    const m = await loadKubeconfig();
    const started = Date.now();
    const [ok, unauth, hung, refused] = await Promise.all(['ok', 'unauth', 'hung', 'refused'].map((n) => probeContext(m, n, 800)));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(ok).toMatchObject({ state: 'ok', reachable: true, version: 'v1.33.1' });
    expect(unauth).toMatchObject({ state: 'unauthorized', reachable: true, status: 401 });
    expect(hung).toMatchObject({ state: 'timeout', reachable: false });
    expect(refused).toMatchObject({ state: 'unreachable', reachable: false, reason: expect.stringContaining('ECONNREFUSED') });
  });
});

describe.skipIf(!hasOpenssl())('client certificates and CA through the official client', () => {
  let pki: Pki;
  let server: TestServer;
  beforeAll(async () => {
    const dir = await fs.mkdtemp(path.join((await import('node:os')).tmpdir(), 'paddock-pki-'));
    pki = makePki(dir);
    server = await startHttpsServer(pki, (req, res, cn) => {
      if (!cn) return json(res, 401, {});
      if (req.url === '/version') return json(res, 200, { gitVersion: `v1.33.1+${cn}` });
      return json(res, 200, { items: [{ metadata: { name: 'only-for-' + cn } }] });
    });
    servers.push(server);
  }, 30_000);

  it('inline *-data: reachable, authenticated by the client certificate', async () => {
    await writeText(
      t.config,
      kubeconfig(
        `- {name: c, cluster: {server: '${server.url}', certificate-authority-data: ${pki.caData}}}`,
        `- {name: u, user: {client-certificate-data: ${pki.clientCertData}, client-key-data: ${pki.clientKeyData}}}`,
        `- {name: x, context: {cluster: c, user: u}}`,
      ),
    );
    const m = await loadKubeconfig();
    expect(await probeContext(m, 'x')).toMatchObject({ state: 'ok', version: 'v1.33.1+paddock-user' });
    expect(await listNamespacesOf('x')).toEqual(['only-for-paddock-user']);
  });

  it('relative certificate paths are resolved against the file that holds the entry', async () => {
    const other = path.join(t.dir, 'elsewhere', 'kubeconfig');
    await writeText(path.join(t.dir, 'elsewhere', 'pki', 'ca.crt'), await fs.readFile(pki.caFile, 'utf8'));
    await writeText(other, kubeconfig(`- {name: c, cluster: {server: '${server.url}', certificate-authority: pki/ca.crt}}`, '[]', '[]'));
    await writeText(t.config, kubeconfig('[]', `- {name: u, user: {client-certificate-data: ${pki.clientCertData}, client-key-data: ${pki.clientKeyData}}}`, `- {name: x, context: {cluster: c, user: u}}`));
    process.env.KUBECONFIG = `${t.config}:${other}`;
    const m = await loadKubeconfig();
    expect((await targetForContext(m, 'x')).server).toBe(server.url);
    expect(await probeContext(m, 'x')).toMatchObject({ state: 'ok' });
  });

  it('insecure-skip-tls-verify is honoured where the file says so', async () => {
    await writeText(t.config, kubeconfig(`- {name: c, cluster: {server: '${server.url}', insecure-skip-tls-verify: true}}`, `- {name: u, user: {client-certificate-data: ${pki.clientCertData}, client-key-data: ${pki.clientKeyData}}}`, '- {name: x, context: {cluster: c, user: u}}'));
    expect(await probeContext(await loadKubeconfig(), 'x')).toMatchObject({ state: 'ok' });
  });

  it('tls-server-name: a certificate for a DNS name only, reached by IP', async () => {
    const dir = await fs.mkdtemp(path.join(t.dir, 'pki-dns-'));
    const dnsPki = makePki(dir, 'DNS:api.paddock.test');
    const dnsServer = await startHttpsServer(dnsPki, (_req, res) => json(res, 200, { gitVersion: 'v1.33.2' }));
    servers.push(dnsServer);
    const cluster = (extra: string) => `- {name: c, cluster: {server: '${dnsServer.url}', certificate-authority-data: ${dnsPki.caData}${extra}}}`;
    await writeText(t.config, kubeconfig(cluster(''), '- {name: u, user: {}}', '- {name: x, context: {cluster: c, user: u}}'));
    expect(await probeContext(await loadKubeconfig(), 'x')).toMatchObject({ state: 'error', reason: expect.stringMatching(/TLS/) });
    await writeText(t.config, kubeconfig(cluster(', tls-server-name: api.paddock.test'), '- {name: u, user: {}}', '- {name: x, context: {cluster: c, user: u}}'));
    expect(await probeContext(await loadKubeconfig(), 'x')).toMatchObject({ state: 'ok', version: 'v1.33.2' });
  });

  it('proxy-url: the request goes through the HTTP CONNECT proxy the file names', async () => {
    const proxy = await startConnectProxy();
    servers.push(proxy);
    await writeText(
      t.config,
      kubeconfig(
        `- {name: c, cluster: {server: '${server.url}', certificate-authority-data: ${pki.caData}, proxy-url: '${proxy.url}'}}`,
        `- {name: u, user: {client-certificate-data: ${pki.clientCertData}, client-key-data: ${pki.clientKeyData}}}`,
        '- {name: x, context: {cluster: c, user: u}}',
      ),
    );
    expect(await probeContext(await loadKubeconfig(), 'x')).toMatchObject({ state: 'ok', version: 'v1.33.1+paddock-user' });
    expect(proxy.tunnels()).toBeGreaterThanOrEqual(1); // /version and /api, in parallel
  });

  it('a wrong CA is a TLS error, not "reachable"', async () => {
    await writeText(t.config, kubeconfig(`- {name: c, cluster: {server: '${server.url}'}}`, '- {name: u, user: {}}', '- {name: x, context: {cluster: c, user: u}}'));
    expect(await probeContext(await loadKubeconfig(), 'x')).toMatchObject({ state: 'error', reachable: false, reason: expect.stringMatching(/TLS/) });
  });
});

describe('exec credential plugins', () => {
  it('runs the plugin with its env, and does not leak that env into Paddock', async () => {
    const s = await tokenServer('from-plugin-42');
    // A command with a slash is relative to the kubeconfig's folder, as in client-go.
    const plugin = path.join(path.dirname(t.config), 'bin', 'get-token');
    await writeText(
      plugin,
      `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"from-plugin-'"$PLUGIN_SECRET"'"}}'\n`,
    );
    await fs.chmod(plugin, 0o755);
    await writeText(
      t.config,
      kubeconfig(
        `- {name: c, cluster: {server: '${s.url}'}}`,
        `- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: ./bin/get-token
      env: [{name: PLUGIN_SECRET, value: '42'}]`,
        '- {name: x, context: {cluster: c, user: u}}',
      ),
    );
    delete process.env.PLUGIN_SECRET;
    expect(await probeContext(await loadKubeconfig(), 'x')).toMatchObject({ state: 'ok' });
    expect(process.env.PLUGIN_SECRET).toBeUndefined();
    expect(await listNamespacesOf('x')).toEqual(['default', 'kube-system']);
  });

  it('a hung plugin does not hold up another one', async () => {
    const s = await tokenServer('quick-7');
    const bin = path.dirname(t.config);
    await writeText(path.join(bin, 'hang'), '#!/bin/sh\nsleep 5\n');
    await writeText(path.join(bin, 'quick'), `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"quick-'"$N"'"}}'\n`);
    await fs.chmod(path.join(bin, 'hang'), 0o755);
    await fs.chmod(path.join(bin, 'quick'), 0o755);
    const plugin = (cmd: string, n: string) => `{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ./${cmd}, env: [{name: N, value: '${n}'}]}}`;
    await writeText(
      t.config,
      kubeconfig(
        `- {name: c, cluster: {server: '${s.url}'}}`,
        `- {name: h, user: ${plugin('hang', '1')}}\n- {name: q, user: ${plugin('quick', '7')}}`,
        '- {name: hung, context: {cluster: c, user: h}}\n- {name: quick, context: {cluster: c, user: q}}',
      ),
    );
    const m = await loadKubeconfig();
    const started = Date.now();
    const [hung, quick] = await Promise.all([probeContext(m, 'hung', 1000), probeContext(m, 'quick', 1000)]);
    expect(hung.state).toBe('timeout');
    expect(quick).toMatchObject({ state: 'ok' });
    expect(Date.now() - started).toBeLessThan(3000); // not the 5 s the hung plugin takes;
    expect(process.env.N).toBeUndefined();
  });

  it('a missing plugin is named in the error', async () => {
    await writeText(
      t.config,
      kubeconfig(
        `- {name: c, cluster: {server: 'https://127.0.0.1:1'}}`,
        `- {name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: no-such-plugin-xyz}}}`,
        '- {name: x, context: {cluster: c, user: u}}',
      ),
    );
    expect(await probeContext(await loadKubeconfig(), 'x')).toMatchObject({ state: 'error', reason: expect.stringContaining('"no-such-plugin-xyz" is not installed') });
    await expect(listNamespacesOf('x')).rejects.toMatchObject({ message: expect.stringContaining('no-such-plugin-xyz'), remedy: expect.stringContaining('no-such-plugin-xyz') });
  });
});

describe('token files', () => {
  it('tokenFile, relative to its kubeconfig, trailing newline trimmed', async () => {
    const s = await tokenServer('from-file');
    await writeText(path.join(path.dirname(t.config), 'tokens', 'me'), 'from-file\n');
    await writeText(t.config, kubeconfig(`- {name: c, cluster: {server: '${s.url}'}}`, '- {name: u, user: {tokenFile: tokens/me, token: stale}}', '- {name: x, context: {cluster: c, user: u}}'));
    expect(await probeContext(await loadKubeconfig(), 'x')).toMatchObject({ state: 'ok' });
  });
  it('a missing token file is named', async () => {
    await writeText(t.config, kubeconfig(`- {name: c, cluster: {server: 'https://127.0.0.1:1'}}`, '- {name: u, user: {tokenFile: /nope/token}}', '- {name: x, context: {cluster: c, user: u}}'));
    expect(await probeContext(await loadKubeconfig(), 'x')).toMatchObject({ state: 'error', reason: expect.stringContaining('/nope/token') });
  });
});

describe('namespaces', () => {
  it('forbidden: falls back to the context namespace', async () => {
    const s = await tokenServer('t');
    await writeText(
      t.config,
      kubeconfig(`- {name: c, cluster: {server: '${s.url}/forbidden'}}`, '- {name: u, user: {token: t}}', '- {name: x, context: {cluster: c, user: u, namespace: team-a}}'),
    );
    expect(await listNamespacesOf('x')).toEqual(['team-a']);
  });
  it('unreachable: a PaddockError with a remedy', async () => {
    const url = await closedPortUrl();
    await writeText(t.config, kubeconfig(`- {name: c, cluster: {server: '${url}'}}`, '- {name: u, user: {token: t}}', '- {name: x, context: {cluster: c, user: u}}'));
    await expect(listNamespacesOf('x', { timeoutMs: 1000 })).rejects.toMatchObject({ name: 'PaddockError', remedy: expect.stringContaining(url) });
  });
  it('unknown context: CONTEXT_NOT_FOUND', async () => {
    await expect(listNamespacesOf('ghost')).rejects.toMatchObject({ code: 'CONTEXT_NOT_FOUND' });
  });
});

describe('auth-provider tokens already in the file', () => {
  const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  it('oidc: an unexpired id-token is sent as the bearer token; an expired one without refresh data is refused by the server, not used', async () => {
    const idToken = `${b64url({ alg: 'none' })}.${b64url({ sub: 'me', exp: Math.floor(Date.now() / 1000) + 3600 })}.sig`;
    const expired = `${b64url({ alg: 'none' })}.${b64url({ sub: 'me', exp: Math.floor(Date.now() / 1000) - 60 })}.sig`;
    const s = await tokenServer(idToken);
    const provider = (tok: string) => `{auth-provider: {name: oidc, config: {client-id: paddock, idp-issuer-url: 'https://issuer.invalid', id-token: '${tok}'}}}`;
    await writeText(
      t.config,
      kubeconfig(`- {name: c, cluster: {server: '${s.url}'}}`, `- {name: fresh, user: ${provider(idToken)}}\n- {name: old, user: ${provider(expired)}}`, '- {name: x, context: {cluster: c, user: fresh}}\n- {name: y, context: {cluster: c, user: old}}'),
    );
    const m = await loadKubeconfig();
    expect(await probeContext(m, 'x')).toMatchObject({ state: 'ok', version: 'v1.33.1' });
    expect(await probeContext(m, 'y')).toMatchObject({ state: 'unauthorized', reachable: true });
  });

  it('gcp: the access-token of the file is used while its expiry is ahead', async () => {
    const s = await tokenServer('ya29.paddock');
    const expiry = new Date(Date.now() + 3600_000).toISOString();
    await writeText(t.config, kubeconfig(`- {name: c, cluster: {server: '${s.url}'}}`, `- {name: g, user: {auth-provider: {name: gcp, config: {access-token: ya29.paddock, expiry: '${expiry}'}}}}`, '- {name: x, context: {cluster: c, user: g}}'));
    expect(await probeContext(await loadKubeconfig(), 'x')).toMatchObject({ state: 'ok' });
  });
});

describe('probe states from the credentials, not from /version alone', () => {
  it('no credentials: /version answers (public) but discovery is 403, so the state is forbidden with the reason', async () => {
    const s = await startHttpServer((req, res) => {
      if (req.url === '/version') return json(res, 200, { gitVersion: 'v1.36.3' });
      return json(res, 403, { kind: 'Status', code: 403, message: 'forbidden: User "system:anonymous" cannot get path "/api"' });
    });
    servers.push(s);
    await writeText(t.config, kubeconfig(`- {name: c, cluster: {server: '${s.url}'}}`, '- {name: nobody, user: {}}', '- {name: x, context: {cluster: c, user: nobody}}'));
    expect(await probeContext(await loadKubeconfig(), 'x')).toMatchObject({ state: 'forbidden', reachable: true, version: 'v1.36.3', reason: expect.stringContaining('system:anonymous') });
  });
});
