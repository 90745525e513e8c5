import type { ApiHandlers, NodeImage } from '../shared/api.js';
import { Progress } from '../shared/progress.js';
import { buildNodeImage, listNodeImages, removeNodeImage } from '../provisioner/node-image/index.js';
import { infoFromInspect, type NodeImageInfo } from '../provisioner/node-image/images.js';
import type { ImageInspect } from '../provisioner/node-image/docker.js';
import { listPulledNodeImages, NoPinError, pullNodeImage } from '../provisioner/node-image/pull.js';
import { defaultNodeImageName, DEFAULT_KUBERNETES_VERSION } from '../provisioner/node-image/recipe.js';
import type { DockerRuntime } from '../provisioner/runtime/docker.js';
import { loadPins, pinFor, type PinnedImage } from '../provisioner/node-image/pins.js';

/** A pulled upstream image as a node image: its version and digest are the pin's (kind's images carry no Paddock labels). */
function pulledInfo(pin: PinnedImage, img: ImageInspect): NodeImageInfo {
  const name = (img.RepoTags ?? []).find((t) => t === defaultNodeImageName(pin.kubernetesVersion)) ?? `${pin.repository}@${pin.digest}`;
  return { ...infoFromInspect(img, name), kubernetesVersion: pin.kubernetesVersion, digest: pin.digest };
}

export function nodeImageHandlers(runtime: DockerRuntime): Pick<ApiHandlers, 'listNodeImages' | 'buildNodeImage' | 'removeNodeImage' | 'pullNodeImage'> {
  return {
    listNodeImages: async () => {
      const built = await listNodeImages();
      const names = new Set(built.map((i) => i.name));
      const pulled = (await listPulledNodeImages(runtime)).map(({ pin, image }) => pulledInfo(pin, image as unknown as ImageInspect)).filter((i) => !names.has(i.name));
      return { images: [...built, ...pulled] };
    },
    buildNodeImage: async (input, ctx) => buildNodeImage({ ...input, progress: new Progress(ctx.opId, ctx.progress), signal: ctx.signal }),
    pullNodeImage: async (input, ctx): Promise<NodeImage> => {
      const progress = new Progress(ctx.opId, ctx.progress);
      const pins = loadPins();
      const pin = pinFor(input.kubernetesVersion, DEFAULT_KUBERNETES_VERSION, pins);
      if (!pin) throw new NoPinError(input.kubernetesVersion, pins);
      const pulled = await progress.step('pull', `Pulling ${pin.ref} (Kubernetes ${pin.kubernetesVersion})`, () =>
        pullNodeImage(runtime, { kubernetesVersion: input.kubernetesVersion, progress, signal: ctx.signal, pins }),
      );
      const found = (await listPulledNodeImages(runtime)).find((p) => p.pin.kubernetesVersion === pulled.kubernetesVersion);
      if (!found) throw new Error(`${pulled.name} vanished right after its pull`);
      return pulledInfo(found.pin, { ...(found.image as unknown as ImageInspect), RepoTags: [...(found.image.RepoTags ?? []), pulled.name] });
    },
    removeNodeImage: async ({ ref }) => {
      await removeNodeImage(ref);
      return { ok: true as const };
    },
  };
}
