/** Node images: build from source offline, list, find, remove (issue 4). */
export { buildNodeImage, nodeImageCacheDir, type BuildNodeImageOptions } from './build.js';
export { findNodeImage, listNodeImages, removeNodeImage, type NodeImageInfo } from './images.js';
export {
  COREDNS_BUILT_VERSION,
  DEFAULT_KUBERNETES_VERSION,
  defaultNodeImageName,
  LOCAL_PATH_HELPER_IMAGE,
  LOCAL_PATH_IMAGE,
  PADDOCKNET_IMAGE,
  SUPPORTED_KUBERNETES_VERSIONS,
} from './recipe.js';
