/**
 * kubectl's loading rules (client-go clientcmd.NewDefaultClientConfigLoadingRules):
 * $KUBECONFIG is a list of files joined by the OS path-list separator (':' on
 * POSIX, ';' on Windows); empty entries are skipped and duplicates kept once,
 * first occurrence wins. Without $KUBECONFIG it is ~/.kube/config.
 */
import os from 'node:os';
import path from 'node:path';

/** process.env, or a plain object in tests (KUBECONFIG, HOME, USERPROFILE, HOMEDRIVE, HOMEPATH). */
export type LoadingRulesEnv = Record<string, string | undefined>;

export function pathListSeparator(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? ';' : ':';
}

/** The home folder as client-go's homedir.HomeDir() finds it (HOME first, then Windows variables). */
export function homeDir(env: LoadingRulesEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') {
    if (env.HOME) return env.HOME;
    if (env.HOMEDRIVE && env.HOMEPATH) return env.HOMEDRIVE + env.HOMEPATH;
    if (env.USERPROFILE) return env.USERPROFILE;
    return os.homedir();
  }
  return env.HOME || os.homedir();
}

/** ~/.kube/config, the file used when $KUBECONFIG is unset or empty. */
export function recommendedKubeconfigPath(env: LoadingRulesEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const p = platform === 'win32' ? path.win32 : path.posix;
  return p.join(homeDir(env, platform), '.kube', 'config');
}

/** The files kubectl reads, in precedence order (first wins for every key). */
export function kubeconfigPaths(env: LoadingRulesEnv = process.env, platform: NodeJS.Platform = process.platform): string[] {
  const raw = env.KUBECONFIG;
  if (raw !== undefined && raw !== '') {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const entry of raw.split(pathListSeparator(platform))) {
      if (entry === '' || seen.has(entry)) continue;
      seen.add(entry);
      out.push(entry);
    }
    // KUBECONFIG=":" names no file at all: client-go then reads nothing and
    // fails on write; Paddock uses the home file instead.
    if (out.length > 0) return out;
  }
  return [recommendedKubeconfigPath(env, platform)];
}
