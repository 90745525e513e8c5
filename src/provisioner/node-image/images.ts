/** Node images present in the local Docker engine: list, find, remove. */
import fs from 'node:fs/promises';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { imagesWithLabels, inspectImages, removeImage, type ImageInspect } from './docker.js';
import { defaultNodeImageName, DEFAULT_KUBERNETES_VERSION, ImageLabels } from './recipe.js';
import { run } from './run.js';
import { loadPins } from './pins.js';
import { carriesDigest } from './pull.js';

export interface NodeImageInfo {
  /** Reference to use with `docker run` (repo:tag, or the id when untagged). */
  name: string;
  /** Docker image id (sha256 of the image config). */
  id: string;
  kubernetesVersion: string;
  /** Uncompressed size in bytes. */
  sizeBytes: number;
  /** Registry digest when the image came from a registry, else the content id. */
  digest?: string;
  /** Hash of every input of the build (empty for images Paddock did not build). */
  inputsHash: string;
  /** ISO time the image was made. */
  created: string;
}

export function infoFromInspect(img: ImageInspect, name: string): NodeImageInfo {
  const labels = img.Config?.Labels ?? {};
  return {
    name,
    id: img.Id,
    kubernetesVersion: labels[ImageLabels.version] ?? '',
    sizeBytes: img.Size,
    digest: img.RepoDigests?.[0]?.split('@')[1] ?? img.Id,
    inputsHash: labels[ImageLabels.inputsHash] ?? '',
    created: img.Created,
  };
}

/** One entry per tag of every image labelled as a Paddock node image, newest first. */
export async function listNodeImages(): Promise<NodeImageInfo[]> {
  const ids = await imagesWithLabels([`${ImageLabels.nodeImage}=1`]);
  const inspected = await inspectImages(ids);
  const out: NodeImageInfo[] = [];
  for (const img of inspected) {
    const tags = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
    if (tags.length === 0) continue; // untagged leftovers are not offered to users
    for (const t of tags) out.push(infoFromInspect(img, t));
  }
  return out.sort((a, b) => b.created.localeCompare(a.created) || a.name.localeCompare(b.name));
}

/** The local node image for a Kubernetes version (its default name first), or undefined. */
export async function findNodeImage(kubernetesVersion: string = DEFAULT_KUBERNETES_VERSION): Promise<NodeImageInfo | undefined> {
  const all = (await listNodeImages()).filter((i) => i.kubernetesVersion === kubernetesVersion);
  return all.find((i) => i.name === defaultNodeImageName(kubernetesVersion)) ?? all[0];
}

/** Removes a node image by name or id; refuses images that are not Paddock node images. */
export async function removeNodeImage(ref: string): Promise<void> {
  const [img] = await inspectImages([ref]);
  if (!img) {
    throw new PaddockError(ErrorCodes.IMAGE_MISSING, `no image ${ref}`, { remedy: 'see `paddock node-image list` for the node images present' });
  }
  // Pulled pinned images (kind's) carry no Paddock label: their pinned digest marks them.
  const pin = img.Config?.Labels?.[ImageLabels.nodeImage] === '1' ? undefined : loadPins().find((p) => carriesDigest(img, p));
  if (img.Config?.Labels?.[ImageLabels.nodeImage] !== '1' && !pin) {
    throw new PaddockError(ErrorCodes.USAGE, `${ref} is not a Paddock node image`, { remedy: 'use `docker rmi` for other images' });
  }
  try {
    await removeImage(ref);
    if (pin) {
      // Pulled by digest, the image stays while its repo@digest name does: drop that and the paddock/node tag too.
      const local = defaultNodeImageName(pin.kubernetesVersion);
      for (const other of [...(img.RepoDigests ?? []), ...(img.RepoTags ?? []).filter((t) => t === local)]) {
        if (other !== ref) await removeImage(other).catch(() => undefined);
      }
    }
  } catch (e) {
    if (e instanceof PaddockError && /being used by|conflict/i.test(e.output ?? '')) {
      throw new PaddockError(ErrorCodes.USAGE, `${ref} is used by a container (a cluster node?)`, {
        remedy: 'delete the clusters that use it first (`paddock delete <cluster>`), then remove the image',
        output: e.output,
      });
    }
    throw e;
  }
}

/**
 * Removes the node-image build caches: the paddock-stage/* images, containers
 * a crashed build left behind, and the cache folder. Node images themselves
 * stay. The next build is a cold one (Go's own caches stay warm).
 */
export async function pruneNodeImageBuildCache(cacheDir: string): Promise<{ images: number }> {
  const quiet = (doing: string): { doing: string; stream: boolean } => ({ doing, stream: false });
  const leftovers = (
    await run('docker', ['ps', '-a', '--quiet', '--filter', 'name=^paddock-preload-', '--filter', 'name=^paddock-tools-'], quiet('listing build containers'))
  ).stdout.split('\n').filter(Boolean);
  if (leftovers.length) await run('docker', ['rm', '--force', '--volumes', ...leftovers], quiet('removing build containers'));
  const stage = (await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', 'paddock-stage/*'], quiet('listing stage images'))).stdout
    .split('\n')
    .filter(Boolean);
  for (const ref of stage) await removeImage(ref, { force: true }).catch(() => undefined);
  await fs.rm(cacheDir, { recursive: true, force: true });
  return { images: stage.length };
}
