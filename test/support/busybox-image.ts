/**
 * The docker tier's tiny image, made offline from Debian's busybox-static
 * (nothing can be pulled here). Tagged by a hash of the busybox binary, so it
 * is built once per machine.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

export const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];
const APPLETS = ['httpd', 'nslookup', 'sh', 'sleep', 'true', 'false', 'cat', 'echo', 'ls', 'mkdir', 'rm', 'hostname', 'ip', 'wget', 'nc', 'env', 'id'];

/** A static busybox (Debian's busybox-static): a dynamic one would not run in an image without libc. */
export async function findStaticBusybox(): Promise<string | undefined> {
  for (const p of BUSYBOX_CANDIDATES) {
    try {
      const head = (await fs.readFile(p)).subarray(0, 8192).toString('latin1');
      // Dynamic ELF binaries name their interpreter near the start.
      if (!head.includes('ld-linux') && !head.includes('ld-musl')) return p;
    } catch {
      // try next
    }
  }
  return undefined;
}

export async function ensureBusyboxImage(): Promise<string> {
  const bin = await findStaticBusybox();
  if (!bin) throw new Error('busybox-static is not installed: apt-get install busybox-static');
  const data = await fs.readFile(bin);
  const hash = createHash('sha256').update(data).update(APPLETS.join(',')).digest('hex').slice(0, 12);
  const tag = `paddock-test/busybox:${hash}`;
  const exists = await execa('docker', ['image', 'inspect', tag], { reject: false });
  if (exists.exitCode === 0) return tag;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'paddock-busybox-'));
  try {
    await fs.mkdir(path.join(dir, 'bin'));
    await fs.copyFile(bin, path.join(dir, 'bin', 'busybox'));
    await fs.chmod(path.join(dir, 'bin', 'busybox'), 0o755);
    for (const a of APPLETS) await fs.symlink('busybox', path.join(dir, 'bin', a));
    await fs.mkdir(path.join(dir, 'tmp'));
    const tar = execa('tar', ['-C', dir, '-c', '.']);
    await execa('docker', ['import', '--change', 'ENV PATH=/bin', '--change', 'CMD ["sh"]', '-', tag], { input: tar.stdout ?? undefined });
    await tar;
    return tag;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
