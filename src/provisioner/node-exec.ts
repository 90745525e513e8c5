/**
 * Runs commands in node containers with the output kept for errors and logs.
 * A failing command becomes a PaddockError carrying its output.
 */
import fs from 'node:fs';
import { ErrorCodes, PaddockError, type ErrorCode } from '../shared/errors.js';
import type { Progress } from '../shared/progress.js';
import type { DockerRuntime } from './runtime/docker.js';
import type { ExecResult } from './runtime/types.js';

export interface NodeExecOptions {
  stdin?: string;
  /** Stream output lines to progress as log events of this step. */
  stepId?: string;
  errorCode?: ErrorCode;
  /** Return failures instead of throwing. */
  allowFailure?: boolean;
  /** Called with each complete output line (stdout and stderr). */
  onLine?: (line: string) => void;
  /** What the log shows instead of the command line (file contents in arguments). */
  logAs?: string;
}

export interface NodeFile {
  path: string;
  content: string;
  /** Octal mode (default 0644), or 'link': a symbolic link to `content`. */
  mode?: string;
}

/** Writes each (path, mode, base64 content) argument triple; mkdir -p first. */
const WRITE_FILES_SCRIPT =
  'umask 022; while [ $# -gt 0 ]; do mkdir -p "$(dirname "$1")" || exit 1; if [ "$2" = link ]; then ln -sfn "$(printf %s "$3" | base64 -d)" "$1"; else printf %s "$3" | base64 -d > "$1" && chmod "$2" "$1"; fi || exit 1; shift 3; done';

/**
 * The command that writes these files in a node and then runs `then`, a
 * shell line made of constants (never of user input): one exec instead of
 * two, each costing a runc exec and 0.1-0.4 s on a busy 2-core machine.
 */
export function writeFilesThen(files: NodeFile[], then?: string): string[] {
  const args = files.flatMap((f) => [f.path, f.mode ?? '0644', Buffer.from(f.content).toString('base64')]);
  return ['sh', '-c', then ? `${WRITE_FILES_SCRIPT}; ${then}` : WRITE_FILES_SCRIPT, 'write', ...args];
}

/** What the log shows for a write (contents stay out of it). */
export function describeWrite(files: NodeFile[], then?: string): string {
  return `write ${files.map((f) => f.path).join(' ')}${then ? `; ${then}` : ''}`;
}

/** UTC time of day with milliseconds, as klog prints it in the same log. */
function clock(): string {
  return new Date().toISOString().slice(11, 23);
}

export class NodeExec {
  constructor(
    private readonly runtime: DockerRuntime,
    private readonly progress: Progress,
    private readonly logFile?: string,
  ) {}

  private log(text: string): void {
    if (!this.logFile) return;
    try {
      fs.appendFileSync(this.logFile, text);
    } catch {
      // logging must never fail a create
    }
  }

  /** A line of the create's own doings in the log, timed like the execs (to see where the seconds go). */
  note(text: string): void {
    this.log(`\n# ${clock()} ${text}\n`);
  }

  async run(node: string, cmd: string[], opts: NodeExecOptions = {}): Promise<ExecResult> {
    const started = Date.now();
    this.log(`\n$ ${clock()} [${node}] ${opts.logAs ?? cmd.join(' ')}\n`);
    let partial = '';
    const res = await this.runtime.exec(node, cmd, {
      stdin: opts.stdin,
      onOutput: (chunk) => {
        this.log(chunk);
        if (!opts.stepId && !opts.onLine) return;
        partial += chunk;
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) {
          opts.onLine?.(l);
          if (opts.stepId && l.trim()) this.progress.log(l, opts.stepId);
        }
      },
    });
    this.log(`\n# ${clock()} [${node}] exit ${res.exitCode} after ${((Date.now() - started) / 1000).toFixed(2)} s: ${(opts.logAs ?? cmd.join(' ')).slice(0, 60)}\n`);
    if (res.exitCode !== 0 && !opts.allowFailure) {
      throw new PaddockError(opts.errorCode ?? ErrorCodes.DOCKER_FAILED, `\`${cmd.slice(0, 3).join(' ')}\` failed on ${node} (exit ${res.exitCode})`, {
        output: (res.stdout + res.stderr).trim(),
      });
    }
    return res;
  }

  async writeFile(node: string, path: string, content: string, mode = '0644'): Promise<void> {
    await this.writeFiles(node, [{ path, content, mode }]);
  }

  /**
   * Several small files in one exec: each exec costs the engine a runc exec
   * (tens of ms of CPU), which adds up while a cluster boots on two cores.
   * Contents go base64 in arguments (a few KB each; the limit is 128 KB).
   */
  async writeFiles(node: string, files: NodeFile[]): Promise<void> {
    await this.run(node, writeFilesThen(files), { logAs: describeWrite(files) });
  }
}
