/** Host ports: pick free ones, and say clearly (with the owner) when one is taken. */
import net from 'node:net';
import { ErrorCodes, PaddockError } from '../shared/errors.js';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, host === '0.0.0.0' ? undefined : host, () => srv.close(() => resolve(true)));
  });
}

/** Who listens on a TCP port, where the OS tells (Linux `ss`); undefined otherwise. */
export async function portOwner(port: number): Promise<string | undefined> {
  const { execa } = await import('execa'); // loaded on use: ~80 ms of every command's start
  if (process.platform !== 'linux') return undefined;
  const r = await execa('ss', ['-Htlnp', `sport = :${port}`], { reject: false, timeout: 3000 });
  if (r.exitCode !== 0 || !r.stdout.trim()) return undefined;
  const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(r.stdout);
  if (m) return `${m[1]} (pid ${m[2]})`;
  return undefined;
}

export async function assertPortsFree(ports: { host: string; port: number; what: string }[]): Promise<void> {
  for (const p of ports) {
    if (p.port === 0) continue;
    if (await isPortFree(p.port, p.host)) continue;
    const owner = await portOwner(p.port);
    throw new PaddockError(ErrorCodes.PORT_IN_USE, `port ${p.host}:${p.port} (${p.what}) is already in use${owner ? ` by ${owner}` : ''}`, {
      remedy: `stop what uses port ${p.port}, or choose another hostPort in the config`,
    });
  }
}
