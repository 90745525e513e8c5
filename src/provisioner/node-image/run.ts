/**
 * Child processes of the node-image build: argument arrays only, output
 * streamed line by line to the progress log, the tail kept for errors, and
 * failures turned into PaddockErrors a user can act on.
 */
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import type { Progress } from '../../shared/progress.js';

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  progress?: Progress;
  stepId?: string;
  signal?: AbortSignal;
  /** Input written to stdin. */
  input?: string;
  /** What we were doing, for the error message ("building containerd"). */
  doing: string;
  /** Stream output lines to progress.log (default true). */
  stream?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

const TAIL_LINES = 40;

export function tail(text: string, lines = TAIL_LINES): string {
  return text.split('\n').filter((l) => l.trim() !== '').slice(-lines).join('\n');
}

/** Classifies a failed command's output into the error a user should see. */
export function classifyFailure(command: string, doing: string, output: string): PaddockError {
  const out = tail(output);
  if (/no space left on device|disk quota exceeded/i.test(output)) {
    return new PaddockError(ErrorCodes.DISK_FULL, `the disk filled up while ${doing}`, {
      remedy: 'free space (check with `df -h / ~/.cache` and `docker system df`; `docker image prune` removes unused images), then build again',
      output: out,
    });
  }
  if (/Cannot connect to the Docker daemon|error during connect|docker daemon is not running|dial unix .*docker.sock/i.test(output)) {
    return new PaddockError(ErrorCodes.DOCKER_UNREACHABLE, `Docker stopped answering while ${doing}`, {
      remedy: 'start Docker (or check DOCKER_HOST) and build again',
      output: out,
    });
  }
  if (
    command === 'go' &&
    /(reading https?:\/\/\S+: \d{3}|unrecognized import path|module .* not found|no matching versions|unknown revision|missing go\.sum entry|verifying .*: checksum mismatch|dial tcp|i\/o timeout|GOPROXY)/i.test(output)
  ) {
    return new PaddockError(ErrorCodes.IMAGE_BUILD_FAILED, `a Go module did not resolve while ${doing}`, {
      remedy:
        'check that the Go module proxy answers (GOPROXY, `go env GOPROXY`) and that the version is one it serves; the go output below names the module',
      output: out,
    });
  }
  return new PaddockError(ErrorCodes.IMAGE_BUILD_FAILED, `${doing} failed`, {
    remedy: 'the output below shows why; fix it and build again (finished stages are cached)',
    output: out,
  });
}

export async function run(command: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const { execa } = await import('execa'); // loaded on use: ~80 ms of every command's start
  const stream = opts.stream ?? true;
  const child = execa(command, args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: true,
    input: opts.input,
    all: true,
    reject: false,
    cancelSignal: opts.signal,
    stripFinalNewline: true,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (stream && opts.progress && child.all) {
    let pending = '';
    child.all.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) if (l.trim() !== '') opts.progress?.log(l, opts.stepId);
    });
  }
  const r = await child;
  if (opts.signal?.aborted || r.isCanceled) {
    throw new PaddockError(ErrorCodes.CANCELLED, `cancelled while ${opts.doing}`);
  }
  const code = (r as { code?: string }).code;
  if (code === 'ENOENT' || /ENOENT/.test(String(r.message ?? '')) && r.exitCode === undefined) {
    if (command === 'docker') {
      throw new PaddockError(ErrorCodes.DOCKER_UNREACHABLE, 'the docker command is not installed', {
        remedy: 'install Docker (the engine and its CLI) and make sure `docker info` works',
      });
    }
    throw new PaddockError(ErrorCodes.IMAGE_BUILD_FAILED, `${command} is not installed (needed for ${opts.doing})`, {
      remedy: command === 'go' ? 'install Go 1.26 or newer (https://go.dev/dl) and put it on PATH' : `install ${command} and build again`,
    });
  }
  if (r.failed) {
    throw classifyFailure(command, opts.doing, String(r.all ?? `${r.stderr}\n${r.stdout}`));
  }
  return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}
