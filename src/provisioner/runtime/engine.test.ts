import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dockerodeOptions, engineKey, resolveEngine } from './engine.js';

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-engine-'));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

/** Writes a context the way `docker context create` stores it. */
function context(name: string, host: string, opts: { configDir?: string; tls?: boolean; skipVerify?: boolean } = {}): void {
  const dir = opts.configDir ?? path.join(home, '.docker');
  const id = createHash('sha256').update(name).digest('hex');
  fs.mkdirSync(path.join(dir, 'contexts', 'meta', id), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'contexts', 'meta', id, 'meta.json'),
    JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: !!opts.skipVerify } } }),
  );
  if (opts.tls) {
    const tls = path.join(dir, 'contexts', 'tls', id, 'docker');
    fs.mkdirSync(tls, { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(tls, f), `${f} of ${name}`);
  }
}
function currentContext(name: string, dir = path.join(home, '.docker')): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: {}, currentContext: name }));
}
const resolve = (env: NodeJS.ProcessEnv = {}, ctx?: string) => resolveEngine({ env, homedir: home, platform: 'linux', context: ctx });

describe('which Docker engine (Docker CLI precedence)', () => {
  it('uses the default socket when nothing is set', () => {
    expect(resolve()).toEqual({ name: 'default', host: 'unix:///var/run/docker.sock', reason: 'default socket' });
  });

  it('follows the current docker context of ~/.docker/config.json', () => {
    context('second', 'unix:///tmp/second.sock');
    currentContext('second');
    expect(resolve()).toMatchObject({ name: 'second', host: 'unix:///tmp/second.sock', reason: 'docker context second', context: 'second' });
    currentContext('default');
    expect(resolve().reason).toBe('default socket');
  });

  it('lets DOCKER_HOST win over the current context, DOCKER_CONTEXT over config.json, and --docker-context over all', () => {
    context('second', 'unix:///tmp/second.sock');
    context('third', 'unix:///tmp/third.sock');
    currentContext('second');
    expect(resolve({ DOCKER_HOST: 'unix:///tmp/env.sock' })).toMatchObject({ host: 'unix:///tmp/env.sock', reason: 'DOCKER_HOST' });
    expect(resolve({ DOCKER_CONTEXT: 'third' })).toMatchObject({ host: 'unix:///tmp/third.sock', reason: 'DOCKER_CONTEXT=third' });
    expect(resolve({ DOCKER_HOST: 'unix:///tmp/env.sock' }, 'third')).toMatchObject({ host: 'unix:///tmp/third.sock', reason: '--docker-context third' });
    // The "default" context is DOCKER_HOST, or the default socket.
    expect(resolve({ DOCKER_HOST: 'unix:///tmp/env.sock' }, 'default')).toMatchObject({ name: 'default', host: 'unix:///tmp/env.sock' });
    expect(resolve({}, 'default')).toMatchObject({ name: 'default', host: 'unix:///var/run/docker.sock' });
  });

  it('reads DOCKER_CONFIG instead of ~/.docker', () => {
    const elsewhere = path.join(home, 'cfg');
    context('away', 'unix:///tmp/away.sock', { configDir: elsewhere });
    currentContext('away', elsewhere);
    expect(resolve({ DOCKER_CONFIG: elsewhere })).toMatchObject({ host: 'unix:///tmp/away.sock', reason: 'docker context away' });
    expect(resolve().reason).toBe('default socket');
  });

  it('names an unknown context and says where it looked', () => {
    expect(() => resolve({}, 'nope')).toThrow(/no docker context named "nope" \(looked in .*\.docker\/contexts\)/);
    currentContext('gone');
    expect(() => resolve()).toThrow(/no docker context named "gone"/);
  });

  it('tcp:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH: https with the client certificate', () => {
    const certs = path.join(home, 'certs');
    fs.mkdirSync(certs);
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(certs, f), f);
    const e = resolve({ DOCKER_HOST: 'tcp://10.0.0.5:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs });
    expect(e).toMatchObject({ host: 'tcp://10.0.0.5:2376', tls: { certDir: certs, verify: true } });
    const o = dockerodeOptions(e);
    expect(o).toMatchObject({ protocol: 'https', host: '10.0.0.5', port: '2376', socketPath: undefined });
    expect(String(o.ca)).toBe('ca.pem');
    expect(String(o.cert)).toBe('cert.pem');
    // Without TLS settings: plain http on 2375 by default.
    expect(dockerodeOptions(resolve({ DOCKER_HOST: 'tcp://10.0.0.5' }))).toMatchObject({ protocol: 'http', host: '10.0.0.5', port: 2375 });
    // Verification asked for, but no CA: a clear error, not an insecure connection.
    expect(() => dockerodeOptions(resolve({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: path.join(home, 'none') }))).toThrow(/ca\.pem is missing/);
  });

  it("a context's TLS files come from the context store", () => {
    context('remote', 'tcp://build-box:2376', { tls: true });
    const e = resolve({}, 'remote');
    expect(e.tls?.verify).toBe(true);
    expect(String(dockerodeOptions(e).cert)).toBe('cert.pem of remote');
  });

  it('ssh:// goes through docker-modem ssh (user, host, port)', () => {
    expect(dockerodeOptions(resolve({ DOCKER_HOST: 'ssh://ci@build-box:2222' }))).toMatchObject({ protocol: 'ssh', host: 'build-box', port: '2222', username: 'ci' });
    expect(dockerodeOptions(resolve({ DOCKER_HOST: 'ssh://build-box' }))).toMatchObject({ protocol: 'ssh', port: 22 });
  });

  it('a unix engine chosen by context ignores DOCKER_HOST in dockerode (every connection field is set)', () => {
    context('second', 'unix:///tmp/second.sock');
    const o = dockerodeOptions(resolve({ DOCKER_HOST: 'tcp://elsewhere:2375' }, 'second'));
    expect(o).toHaveProperty('host', undefined);
    expect(o.socketPath).toBe('/tmp/second.sock');
  });

  it('tells engines apart by where they are', () => {
    expect(engineKey({ host: 'unix:///tmp/a.sock' })).toBe(engineKey({ host: 'unix:///tmp/a.sock/' }));
    expect(engineKey({ host: 'unix:///tmp/a.sock' })).not.toBe(engineKey({ host: 'unix:///tmp/b.sock' }));
  });
});
