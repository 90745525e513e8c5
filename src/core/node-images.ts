import type { ApiHandlers } from '../shared/api.js';
import { Progress } from '../shared/progress.js';
import { buildNodeImage, listNodeImages, removeNodeImage } from '../provisioner/node-image/index.js';

export function nodeImageHandlers(): Pick<ApiHandlers, 'listNodeImages' | 'buildNodeImage' | 'removeNodeImage'> {
  return {
    listNodeImages: async () => ({ images: await listNodeImages() }),
    buildNodeImage: async (input, ctx) => buildNodeImage({ ...input, progress: new Progress(ctx.opId, ctx.progress), signal: ctx.signal }),
    removeNodeImage: async ({ ref }) => {
      await removeNodeImage(ref);
      return { ok: true as const };
    },
  };
}
