import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireClusterLock, heldLock, lockPath, withClusterLock } from './cluster-lock.js';

describe('per-cluster lock', () => {
  let home: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-lock-'));
    process.env.PADDOCK_LOCK_DIR = path.join(home, 'locks');
  });
  afterEach(() => {
    delete process.env.PADDOCK_LOCK_DIR;
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('refuses a second operation while a live process holds it, naming the operation', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
    try {
      fs.mkdirSync(path.dirname(lockPath('dev')), { recursive: true });
      fs.writeFileSync(lockPath('dev'), JSON.stringify({ pid: child.pid, operation: 'create', since: '2026-11-25T10:00:00.000Z' }));
      expect(() => acquireClusterLock('dev', 'delete')).toThrow(/cluster "dev" is busy: create since 2026-11-25T10:00:00.000Z/);
      expect(heldLock('dev')?.operation).toBe('create');
    } finally {
      child.kill();
    }
  });

  it('takes over a lock whose process is gone, and releases its own', async () => {
    fs.mkdirSync(path.dirname(lockPath('dev')), { recursive: true });
    fs.writeFileSync(lockPath('dev'), JSON.stringify({ pid: 2 ** 22 + 12345, operation: 'create', since: 'x' }));
    expect(heldLock('dev')).toBeUndefined();
    await withClusterLock('dev', 'delete', async () => {
      expect(heldLock('dev')?.operation).toBe('delete');
    });
    expect(fs.existsSync(lockPath('dev'))).toBe(false);
  });

  it('releases on failure', async () => {
    await expect(withClusterLock('dev', 'stop', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(fs.existsSync(lockPath('dev'))).toBe(false);
  });

  it('lets exactly one of many racing processes in, also when they race to take over a stale lock', async () => {
    const moduleUrl = new URL('./cluster-lock.ts', import.meta.url).href;
    // The winner holds the lock until the test closes its stdin, i.e. until every other process has answered.
    const script = `const { acquireClusterLock } = await import(${JSON.stringify(moduleUrl)});
      try { const l = acquireClusterLock('dev', 'start'); console.log('won'); process.stdin.resume(); await new Promise((r) => process.stdin.on('end', r)); l.release(); }
      catch (e) { console.log(/is busy: start/.test(e.message) ? 'busy' : 'error ' + e.message); }`;
    for (const stale of [false, true]) {
      if (stale) {
        fs.mkdirSync(path.dirname(lockPath('dev')), { recursive: true });
        fs.writeFileSync(lockPath('dev'), JSON.stringify({ pid: 2 ** 22 + 12345, operation: 'create', since: 'x' }));
      }
      const children = Array.from({ length: 6 }, () => spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: process.env }));
      const outs: string[] = [];
      const exits = children.map(
        (child) =>
          new Promise<void>((resolve) => {
            let out = '';
            child.stdout.on('data', (d) => (out += d));
            child.on('exit', () => {
              outs.push(out.trim());
              resolve();
            });
          }),
      );
      // Five answer on their own (busy); then let the winner go (two winners would both wait: give up after 30 s).
      const deadline = Date.now() + 30_000;
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (outs.length >= 5 || Date.now() > deadline) {
            clearInterval(check);
            resolve();
          }
        }, 50);
      });
      for (const c of children) c.stdin.end();
      await Promise.all(exits);
      expect(outs.filter((o) => o === 'won'), outs.join(' | ')).toHaveLength(1);
      expect(outs.filter((o) => o === 'busy')).toHaveLength(5);
      expect(fs.existsSync(lockPath('dev'))).toBe(false);
    }
  }, 60_000);
});
