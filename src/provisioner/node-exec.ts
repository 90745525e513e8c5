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
  mode?: string;
}

/** Writes each (path, mode, base64 content) argument triple; mkdir -p first. */
const WRITE_FILES_SCRIPT = 'umask 022; while [ $# -gt 0 ]; do mkdir -p "$(dirname "$1")" && printf %s "$3" | base64 -d > "$1" && chmod "$2" "$1" || exit 1; shift 3; done';

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

  async run(node: string, cmd: string[], opts: NodeExecOptions = {}): Promise<ExecResult> {
    this.log(`\n$ [${node}] ${opts.logAs ?? cmd.join(' ')}\n`);
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
    const args = files.flatMap((f) => [f.path, f.mode ?? '0644', Buffer.from(f.content).toString('base64')]);
    await this.run(node, ['sh', '-c', WRITE_FILES_SCRIPT, 'write', ...args], { logAs: `write ${files.map((f) => f.path).join(' ')}` });
  }
}
