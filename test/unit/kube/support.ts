import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the upsert worker in its own Node process (TypeScript through tsx). */
export function upsertWorker(prefix: string, count: number, env: NodeJS.ProcessEnv, mode: 'plain' | 'paddock' = 'plain'): Promise<Ran> {
  return run(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/unit/kube/upsert-worker.ts'), prefix, String(count), mode], env);
}
