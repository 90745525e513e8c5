/**
 * Tells the GUI and tray that a kubeconfig file changed (kubectl use-context,
 * a cloud CLI adding a context, Paddock itself). fs.watch on each file's
 * folder, not on the file: writers that rename over the file (Paddock,
 * editors) replace the inode a file watch would follow. fs.watch can stop
 * silently (Rancher Desktop re-arms its watchers for that reason), so a
 * cheap stat poll backs it up and the watchers are re-created periodically;
 * the poll also notices a folder such as ~/.kube that appears later.
 */
import fs from 'node:fs';
import path from 'node:path';
import { kubeconfigPaths } from './paths.js';

export type Disposer = () => void;

export interface WatchOptions {
  /** The files to watch, re-read at each re-arm (default: kubectl's loading rules). */
  files?: () => string[];
  /** Quiet time before onChange (default 150 ms): one call per burst of writes. */
  debounceMs?: number;
  /** Stat poll interval (default 2 s). */
  pollMs?: number;
  /** Watchers are closed and re-created this often (default 5 min). */
  rearmMs?: number;
  /** Tests turn this off to prove the poll alone catches changes. */
  fsWatch?: boolean;
}

function signature(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** The file and, through a symlink, the file it points to. */
function watchedPaths(file: string): string[] {
  const abs = path.resolve(file);
  try {
    const real = fs.realpathSync(abs);
    return real === abs ? [abs] : [abs, real];
  } catch {
    return [abs];
  }
}

export function watchKubeconfig(onChange: () => void, opts: WatchOptions = {}): Disposer {
  const debounceMs = opts.debounceMs ?? 150;
  const listFiles = opts.files ?? (() => kubeconfigPaths());
  let files: string[] = [];
  let sigs = new Map<string, string>();
  const watchers = new Map<string, fs.FSWatcher>();
  let debounce: NodeJS.Timeout | undefined;
  let disposed = false;

  const snapshot = () => new Map(files.map((f) => [f, signature(f)]));

  const fire = () => {
    debounce = undefined;
    if (disposed) return;
    sigs = snapshot();
    try {
      onChange();
    } catch {
      // A failing listener must not stop the watch.
    }
  };
  const schedule = () => {
    if (disposed) return;
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(fire, debounceMs);
    debounce.unref?.();
  };

  const closeWatchers = () => {
    for (const w of watchers.values()) w.close();
    watchers.clear();
  };

  /** Watches every folder not yet watched (new, or whose watcher died). */
  const arm = () => {
    if (opts.fsWatch === false) return;
    const byDir = new Map<string, Set<string>>();
    for (const f of files) {
      for (const p of watchedPaths(f)) {
        const dir = path.dirname(p);
        if (!byDir.has(dir)) byDir.set(dir, new Set());
        byDir.get(dir)?.add(path.basename(p));
      }
    }
    for (const [dir, names] of byDir) {
      if (watchers.has(dir)) continue;
      try {
        const w = fs.watch(dir, { persistent: false }, (_event, filename) => {
          if (filename === null || names.has(String(filename))) schedule();
        });
        w.on('error', () => {
          w.close();
          watchers.delete(dir); // the poll re-arms it
        });
        watchers.set(dir, w);
      } catch {
        // The folder does not exist (yet): the poll notices when it does.
      }
    }
  };

  const rearm = () => {
    closeWatchers();
    files = listFiles();
    arm();
  };

  const poll = () => {
    if (disposed) return;
    const now = snapshot();
    const changed = [...now].some(([f, s]) => sigs.get(f) !== s) || now.size !== sigs.size;
    if (changed && !debounce) schedule();
    arm();
  };

  files = listFiles();
  sigs = snapshot();
  arm();
  const pollTimer = setInterval(poll, opts.pollMs ?? 2000);
  pollTimer.unref?.();
  const rearmTimer = setInterval(rearm, opts.rearmMs ?? 5 * 60_000);
  rearmTimer.unref?.();

  return () => {
    disposed = true;
    clearInterval(pollTimer);
    clearInterval(rearmTimer);
    if (debounce) clearTimeout(debounce);
    closeWatchers();
  };
}
