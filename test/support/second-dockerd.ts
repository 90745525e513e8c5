/**
 * A second Docker engine for a test: its own dockerd on its own unix socket,
 * data-root, exec-root (hence its own containerd), pidfile and config file,
 * beside the machine's engine, which it never touches.
 *
 * - --bridge=<a bridge of its own>: docker0 belongs to the main engine, and
 *   --bridge=none is no way out: dockerd then DELETES the link named docker0
 *   at start-up, cutting the main engine's default network.
 * - --iptables=false: at start-up dockerd's bridge driver removes and
 *   re-creates the DOCKER / DOCKER-ISOLATION chains, which hold the main
 *   engine's rules; a second engine that manages iptables would break the
 *   clusters on the first. Published ports still work (docker-proxy), so a
 *   single-node cluster needs nothing more. Traffic between two containers of
 *   this engine is bridged through FORWARD, whose policy the main engine set
 *   to DROP: multi-node clusters would need ACCEPT rules for its bridges.
 * - --config-file of its own: /etc/docker/daemon.json registers the same
 *   runtime, and dockerd refuses a runtime given twice.
 * - Where the host lacks CAP_SYS_RESOURCE, the runc wrapper that
 *   ../shared/testhost/docker-up installs is the default runtime here too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

const ROOT_PREFIX = 'paddock-dockerd-';
const WRAPPER = '/usr/local/sbin/runc-nosysres';

export interface SecondDockerd {
  root: string;
  /** unix:///…/docker.sock */
  host: string;
  /** tcp://127.0.0.1:PORT, TLS with client certificates (--tlsverify). */
  tcpHost: string;
  /** ca.pem, cert.pem and key.pem of a client, for DOCKER_CERT_PATH. */
  clientCerts: string;
  pid(): number | undefined;
  docker(args: string[], opts?: { input?: string }): Promise<{ exitCode?: number; stdout: string; stderr: string }>;
  /** Starts dockerd with the same arguments every time; resolves when it answers. */
  start(): Promise<void>;
  /** SIGTERM, as a shutdown would send; resolves when dockerd has exited. */
  stop(): Promise<void>;
  /** Copies an image of the main engine into this one (docker save | docker load), with progress. */
  loadImage(ref: string): Promise<void>;
  /** Removes everything of this engine and reports what had to be cleaned by force (empty when nothing). */
  destroy(): Promise<string[]>;
}

/** undefined when a second dockerd can run here; otherwise why not. */
export async function secondDockerdUnavailableReason(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'a second dockerd needs Linux';
  if (process.getuid?.() !== 0) return 'a second dockerd needs root (dockerd manages mounts, namespaces and bridges)';
  const which = await execa('dockerd', ['--version'], { reject: false });
  if (which.exitCode !== 0) return `no dockerd binary (${(which.message ?? '').split('\n')[0]}): ../shared/testhost/docker-up installs it`;
  return undefined;
}

/** A throw-away CA, a server certificate for 127.0.0.1 and a client certificate, as `docker --tlsverify` wants them. */
async function makeCertificates(root: string): Promise<{ server: string; client: string }> {
  const server = path.join(root, 'tls');
  const client = path.join(root, 'client');
  fs.mkdirSync(server);
  fs.mkdirSync(client);
  const ssl = (args: string[]) => execa('openssl', args, { cwd: server });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await ssl(['req', '-x509', ...key, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=paddock test CA']);
  for (const [who, ext] of [
    ['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'],
    ['client', 'extendedKeyUsage=clientAuth\n'],
  ] as const) {
    fs.writeFileSync(path.join(server, `${who}.ext`), ext);
    await ssl(['req', ...key, '-keyout', `${who}-key.pem`, '-out', `${who}.csr`, '-subj', `/CN=${who}`]);
    await ssl(['x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${who}-cert.pem`, '-days', '1', '-extfile', `${who}.ext`]);
  }
  fs.copyFileSync(path.join(server, 'ca.pem'), path.join(client, 'ca.pem'));
  fs.copyFileSync(path.join(server, 'client-cert.pem'), path.join(client, 'cert.pem'));
  fs.copyFileSync(path.join(server, 'client-key.pem'), path.join(client, 'key.pem'));
  return { server, client };
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

function daemonArgs(root: string, tcpHost: string, tls: string, bridge: string): string[] {
  const args = [
    '--config-file', path.join(root, 'daemon.json'),
    '--data-root', path.join(root, 'data'),
    '--exec-root', path.join(root, 'x'),
    '--pidfile', path.join(root, 'docker.pid'),
    '--host', `unix://${path.join(root, 'docker.sock')}`,
    // TLS applies to tcp listeners only; the unix socket stays plain.
    '--host', tcpHost,
    '--tlsverify',
    '--tlscacert', path.join(tls, 'ca.pem'),
    '--tlscert', path.join(tls, 'server-cert.pem'),
    '--tlskey', path.join(tls, 'server-key.pem'),
    `--bridge=${bridge}`,
    '--iptables=false',
    '--ip-masq=false',
  ];
  if (fs.existsSync(WRAPPER)) args.push('--add-runtime', `runc-nosysres=${WRAPPER}`, '--default-runtime', 'runc-nosysres');
  return args;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(what: string, ms: number, ok: () => Promise<boolean> | boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Processes whose command line names the folder (dockerd, its containerd, shims). */
function processesUnder(root: string): number[] {
  const out: number[] = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(root)) out.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function mountsUnder(root: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === root || m.startsWith(root + '/'))
    .sort((a, b) => b.length - a.length);
}

/**
 * Clears what a crashed earlier run left: its processes, mounts and folder.
 * Only folders this helper names, and only when the test process that made
 * one is gone (another run may be using its own right now).
 */
async function sweepStale(log: (l: string) => void): Promise<void> {
  for (const d of fs.readdirSync(os.tmpdir())) {
    if (!d.startsWith(ROOT_PREFIX)) continue;
    const root = path.join(os.tmpdir(), d);
    const owner = Number(fs.readFileSync(path.join(root, 'owner'), { encoding: 'utf8', flag: 'a+' }) || 0);
    if (owner ? alive(owner) : Date.now() - fs.statSync(root).mtimeMs < 60_000) continue;
    const found: string[] = [];
    await forceClean(root, found);
    log(`removed the leftovers of a crashed run in ${root}${found.length ? `: ${found.join('; ')}` : ''}`);
  }
}

/** The engine's default bridge: a link of its own, made before dockerd starts (named in <root>/bridge). */
async function makeBridge(root: string): Promise<string> {
  const name = `pdkd-${path.basename(root).slice(-6)}`.replace(/[^a-zA-Z0-9-]/g, 'x');
  const octet = 1 + Math.floor(Math.random() * 250);
  fs.writeFileSync(path.join(root, 'bridge'), name);
  for (const args of [['link', 'add', name, 'type', 'bridge'], ['addr', 'add', `10.213.${octet}.1/24`, 'dev', name], ['link', 'set', name, 'up']]) {
    await execa('ip', args);
  }
  return name;
}

async function forceClean(root: string, found: string[]): Promise<void> {
  const bridge = fs.existsSync(path.join(root, 'bridge')) ? fs.readFileSync(path.join(root, 'bridge'), 'utf8').trim() : '';
  if (bridge && fs.existsSync(`/sys/class/net/${bridge}`)) {
    await execa('ip', ['link', 'delete', bridge], { reject: false });
  }
  for (const pid of processesUnder(root)) {
    found.push(`process ${pid}: ${fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()}`);
    process.kill(pid, 'SIGKILL');
  }
  for (const m of mountsUnder(root)) {
    found.push(`mount ${m}`);
    await execa('umount', ['-l', m], { reject: false });
  }
  fs.rmSync(root, { recursive: true, force: true });
}

export async function startSecondDockerd(log: (line: string) => void = (l) => console.log(`[second dockerd] ${l}`)): Promise<SecondDockerd> {
  await sweepStale(log);
  // Short: unix socket paths (containerd's, under the exec-root) are limited to 108 bytes.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), ROOT_PREFIX));
  fs.writeFileSync(path.join(root, 'owner'), String(process.pid));
  fs.writeFileSync(path.join(root, 'daemon.json'), '{}\n');
  const host = `unix://${path.join(root, 'docker.sock')}`;
  const certs = await makeCertificates(root);
  const bridge = await makeBridge(root);
  // Fixed for the engine's life: a restart uses the same arguments.
  const tcpHost = `tcp://127.0.0.1:${await freePort()}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const docker = async (args: string[], opts: { input?: string } = {}) => {
    const r = await execa('docker', ['--host', host, ...args], { reject: false, input: opts.input, timeout: 120_000 });
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  const logFile = path.join(root, 'dockerd.log');
  const lastLog = () => fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');

  const d: SecondDockerd = {
    root,
    host,
    tcpHost,
    clientCerts: certs.client,
    pid: () => child?.pid,
    docker,
    async start() {
      const out = fs.openSync(logFile, 'a');
      const proc = spawn('dockerd', daemonArgs(root, tcpHost, certs.server, bridge), { stdio: ['ignore', out, out], detached: true });
      fs.closeSync(out);
      child = proc;
      exited = new Promise((resolve) => proc.once('exit', () => resolve()));
      const t0 = Date.now();
      await waitUntil(`the second dockerd answering at ${host}`, 60_000, async () => {
        if (proc.exitCode !== null) throw new Error(`the second dockerd exited with code ${proc.exitCode}:\n${lastLog()}`);
        return (await docker(['version', '--format', '{{.Server.Version}}'])).exitCode === 0;
      }).catch((e: Error) => {
        throw new Error(`${e.message}\nlast lines of ${logFile}:\n${lastLog()}`);
      });
      log(`up at ${host} (pid ${proc.pid}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    },
    async stop() {
      const proc = child;
      if (!proc?.pid || proc.exitCode !== null) return;
      const t0 = Date.now();
      proc.kill('SIGTERM');
      // dockerd stops its containers first (each within its stop timeout).
      const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 90_000))]);
      if (!done) {
        log('did not exit within 90 s of SIGTERM: SIGKILL');
        proc.kill('SIGKILL');
        await exited;
      }
      log(`stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    },
    async loadImage(ref) {
      const t0 = Date.now();
      const save = spawn('docker', ['save', ref], { stdio: ['ignore', 'pipe', 'pipe'] });
      const load = spawn('docker', ['--host', host, 'load'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let bytes = 0;
      let errors = '';
      save.stderr.on('data', (b: Buffer) => (errors += b.toString()));
      load.stderr.on('data', (b: Buffer) => (errors += b.toString()));
      save.stdout.on('data', (b: Buffer) => (bytes += b.length));
      save.stdout.pipe(load.stdin);
      const ticker = setInterval(() => log(`loading ${ref}: ${(bytes / 1e6).toFixed(0)} MB copied`), 5000);
      const codes = await Promise.all([save, load].map((p) => new Promise<number | null>((r) => p.once('close', (c) => r(c)))));
      clearInterval(ticker);
      if (codes.some((c) => c !== 0)) throw new Error(`copying ${ref} into the second engine failed (save ${codes[0]}, load ${codes[1]}): ${errors.trim()}`);
      log(`loaded ${ref}: ${(bytes / 1e6).toFixed(0)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    },
    async destroy() {
      const found: string[] = [];
      let bridges: string[] = [];
      if (child?.exitCode === null) {
        // Everything on this engine is the test's own.
        const ids = (await docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
        if (ids.length) {
          found.push(`containers ${ids.join(' ')}`);
          await docker(['rm', '-f', '-v', ...ids]);
        }
        const nets = (await docker(['network', 'ls', '--no-trunc', '--filter', 'driver=bridge', '--format', '{{.ID}} {{.Name}}'])).stdout.split('\n').filter(Boolean);
        for (const n of nets) {
          const [id, name] = n.split(' ');
          if (name === 'bridge') continue; // the engine's default network, on the bridge made for it (removed below)
          found.push(`network ${name}`);
          bridges.push(`br-${id!.slice(0, 12)}`);
          await docker(['network', 'rm', id!]);
        }
        await d.stop();
      }
      // A network removed while its bridge stayed (or a crash) leaves the link behind.
      bridges = bridges.filter((b) => fs.existsSync(`/sys/class/net/${b}`));
      for (const b of bridges) {
        found.push(`bridge ${b}`);
        await execa('ip', ['link', 'delete', b], { reject: false });
      }
      await forceClean(root, found);
      log(found.length ? `cleaned by force: ${found.join('; ')}` : 'stopped and removed; nothing was left behind');
      return found;
    },
  };
  try {
    await d.start();
  } catch (e) {
    await forceClean(root, []);
    throw e;
  }
  return d;
}

/** The iptables rules that name any of these links (none expected: this engine does not manage iptables). */
export async function iptablesRulesFor(links: string[]): Promise<string[]> {
  const r = await execa('iptables-save', [], { reject: false });
  return String(r.stdout)
    .split('\n')
    .filter((l) => links.some((b) => l.includes(b)));
}
