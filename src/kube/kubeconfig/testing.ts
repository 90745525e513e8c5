/**
 * Test support: a temporary HOME/KUBECONFIG/PADDOCK_HOME so no test ever
 * reads or writes the user's real ~/.kube/config or Paddock data.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface TempKube {
  dir: string;
  home: string;
  /** `<home>/.kube/config` (not created). */
  config: string;
  restore: () => Promise<void>;
}

const KEYS = ['KUBECONFIG', 'HOME', 'USERPROFILE', 'PADDOCK_HOME'] as const;

export async function useTempKube(): Promise<TempKube> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'paddock-kube-'));
  const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  const home = path.join(dir, 'home');
  await fs.mkdir(home);
  process.env.HOME = home;
  process.env.USERPROFILE = home;
  process.env.PADDOCK_HOME = path.join(dir, 'paddock');
  delete process.env.KUBECONFIG;
  return {
    dir,
    home,
    config: path.join(home, '.kube', 'config'),
    restore: async () => {
      for (const k of KEYS) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export async function writeText(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
}

export const testdata = (name: string): string => path.join(path.dirname(new URL(import.meta.url).pathname), 'testdata', name);
