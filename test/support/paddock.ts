/** Runs the real `paddock` CLI with a private kubeconfig and data folder. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { removeLabelled } from './cleanup.js';

export interface CliResult {
  exitCode?: number;
  stdout: string;
  stderr: string;
  all: string;
}

export interface Sandbox {
  dir: string;
  kubeconfig: string;
  env: Record<string, string>;
  paddock(args: string[], opts?: { timeoutMs?: number; env?: Record<string, string> }): Promise<CliResult>;
  cleanup(clusters: string[]): Promise<void>;
}

export function sandbox(): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-test-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  const env = { KUBECONFIG: kubeconfig, PADDOCK_HOME: path.join(dir, 'home'), HOME: dir };
  return {
    dir,
    kubeconfig,
    env,
    paddock: async (args, opts = {}) => {
      const r = await execa('node', [path.resolve('bin/paddock.js'), ...args], {
        reject: false,
        all: true,
        timeout: opts.timeoutMs ?? 15 * 60_000,
        env: { ...env, ...opts.env },
      });
      return { exitCode: r.exitCode, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), all: String(r.all ?? '') };
    },
    async cleanup(clusters) {
      for (const c of clusters) {
        await removeLabelled(`io.paddock.addon-of=${c}`);
        await removeLabelled(`io.paddock.cluster=${c}`);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function runId(): string {
  return Math.random().toString(36).slice(2, 7);
}
