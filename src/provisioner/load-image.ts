/**
 * `paddock load-image`: streams `docker save` of local images into every
 * node's containerd (k8s.io namespace), so pods use them without a registry.
 */
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import type { Progress } from '../shared/progress.js';
import { getCluster } from './cluster-state.js';
import type { DockerRuntime } from './runtime/docker.js';

export async function loadImages(runtime: DockerRuntime, cluster: string, images: string[], progress: Progress): Promise<void> {
  const summary = await getCluster(runtime, cluster);
  const nodes = summary.nodes.filter((n) => n.role !== 'load-balancer');
  const stopped = nodes.filter((n) => n.status !== 'running');
  if (stopped.length) {
    throw new PaddockError(ErrorCodes.CLUSTER_NOT_FOUND, `cluster "${cluster}" is not running (${stopped.map((n) => `${n.name} is ${n.status}`).join(', ')})`, {
      remedy: `start it with \`paddock start ${cluster}\``,
    });
  }
  for (const image of images) {
    if (!(await runtime.imageExists(image))) {
      throw new PaddockError(ErrorCodes.IMAGE_MISSING, `image ${image} is not on this Docker engine`, { remedy: `build it or \`docker pull ${image}\` first` });
    }
  }
  let done = 0;
  for (const image of images) {
    await progress.step(`load-${image}`, `Loading ${image} into ${nodes.length} node${nodes.length === 1 ? '' : 's'}`, async () => {
      await Promise.all(
        nodes.map(async (n) => {
          const tar = (await runtime.docker.getImage(image).get()) as NodeJS.ReadableStream;
          const r = await runtime.exec(n.name, ['ctr', '--namespace=k8s.io', 'images', 'import', '--all-platforms', '--digests', '-'], { stdin: tar });
          if (r.exitCode !== 0) {
            throw new PaddockError(ErrorCodes.DOCKER_FAILED, `importing ${image} into ${n.name} failed`, { output: r.stdout + r.stderr });
          }
        }),
      );
      progress.percent(`load-${image}`, (++done / images.length) * 100);
    });
  }
}
