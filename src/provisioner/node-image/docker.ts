/** The few Docker operations the node-image builder needs, through the docker CLI. */
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { run, type RunOptions } from './run.js';

export interface ImageInspect {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: string;
  Size: number;
  Config: { Labels: Record<string, string> | null; Entrypoint: string[] | null; Cmd: string[] | null };
}

const quiet = (doing: string): RunOptions => ({ doing, stream: false });

/** Fails with DOCKER_UNREACHABLE unless an engine answers. Returns the server version. */
export async function dockerPing(): Promise<string> {
  try {
    const r = await run('docker', ['version', '--format', '{{.Server.Version}}'], quiet('asking Docker for its version'));
    return r.stdout.trim();
  } catch (e) {
    if (e instanceof PaddockError && e.code === ErrorCodes.DOCKER_UNREACHABLE) throw e;
    throw new PaddockError(ErrorCodes.DOCKER_UNREACHABLE, 'Docker does not answer', {
      remedy: 'start the Docker engine (or fix DOCKER_HOST) and check with `docker info`',
      cause: e,
      output: e instanceof PaddockError ? e.output : undefined,
    });
  }
}

export async function dockerRootDir(): Promise<string | undefined> {
  try {
    return (await run('docker', ['info', '--format', '{{.DockerRootDir}}'], quiet('asking Docker for its data folder'))).stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function inspectImages(refs: string[]): Promise<ImageInspect[]> {
  if (refs.length === 0) return [];
  try {
    const r = await run('docker', ['image', 'inspect', ...refs], quiet('inspecting images'));
    return JSON.parse(r.stdout) as ImageInspect[];
  } catch (e) {
    if (e instanceof PaddockError && /No such image/i.test(e.output ?? '')) {
      // Some of them are missing: inspect one by one.
      if (refs.length === 1) return [];
      const all: ImageInspect[] = [];
      for (const ref of refs) all.push(...(await inspectImages([ref])));
      return all;
    }
    throw e;
  }
}

export async function imageExists(ref: string): Promise<boolean> {
  return (await inspectImages([ref])).length > 0;
}

/** Image IDs carrying all of the given labels (key=value). */
export async function imagesWithLabels(labels: string[]): Promise<string[]> {
  const args = ['images', '--no-trunc', '--quiet'];
  for (const l of labels) args.push('--filter', `label=${l}`);
  const r = await run('docker', args, quiet('listing images'));
  return [...new Set(r.stdout.split('\n').map((s) => s.trim()).filter(Boolean))];
}

export async function removeImage(ref: string, opts: { force?: boolean } = {}): Promise<void> {
  await run('docker', ['rmi', ...(opts.force ? ['--force'] : []), ref], quiet(`removing image ${ref}`));
}

export async function removeContainer(name: string): Promise<void> {
  await run('docker', ['rm', '--force', '--volumes', name], quiet(`removing container ${name}`)).catch(() => undefined);
}
