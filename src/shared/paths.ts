import os from 'node:os';
import path from 'node:path';

/**
 * Where Paddock keeps its own files. Tests point PADDOCK_HOME at a temporary
 * folder so they never touch a user's data.
 */
export function paddockHome(): string {
  if (process.env.PADDOCK_HOME) return process.env.PADDOCK_HOME;
  const xdg = process.env.XDG_DATA_HOME;
  return xdg ? path.join(xdg, 'paddock') : path.join(os.homedir(), '.local', 'share', 'paddock');
}

/**
 * Build caches (node-image stages) are large and shared between runs and
 * checkouts: keyed by input hash, never by checkout.
 */
export function paddockCacheDir(): string {
  if (process.env.PADDOCK_CACHE_DIR) return process.env.PADDOCK_CACHE_DIR;
  const xdg = process.env.XDG_CACHE_HOME;
  return xdg ? path.join(xdg, 'paddock') : path.join(os.homedir(), '.cache', 'paddock');
}

export function logsDir(): string {
  return path.join(paddockHome(), 'logs');
}
