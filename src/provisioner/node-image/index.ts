/** Node images: build from source offline, list, find, remove (issue 4). */
export { buildNodeImage, nodeImageCacheDir, type BuildNodeImageOptions } from './build.js';
export { findNodeImage, listNodeImages, removeNodeImage, type NodeImageInfo } from './images.js';
import { nodeImageCacheDir } from './build.js';
import { pruneNodeImageBuildCache } from './images.js';

/** `paddock node-image prune`: drops the build caches (stage images, cache folder); node images stay. */
export function pruneNodeImageCache(): Promise<{ images: number }> {
  return pruneNodeImageBuildCache(nodeImageCacheDir());
}
export {
  COREDNS_BUILT_VERSION,
  DEFAULT_KUBERNETES_VERSION,
  defaultNodeImageName,
  LOCAL_PATH_HELPER_IMAGE,
  LOCAL_PATH_IMAGE,
  PADDOCKNET_IMAGE,
  SUPPORTED_KUBERNETES_VERSIONS,
} from './recipe.js';
