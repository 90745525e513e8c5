/**
 * kind's containerdConfigPatches: TOML documents merged into each node's
 * /etc/containerd/config.toml (tables merge, values replace), and
 * containerdConfigPatchesJSON6902 applied to it as JSON. Pure; the step
 * writes the result and restarts containerd.
 */
import { parse, stringify } from 'smol-toml';
import jsonpatch from 'fast-json-patch';
import yaml from 'js-yaml';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { mergePatch } from './kubeadm/patches.js';

export function patchContainerdConfig(base: string, patches: string[], json6902: string[] = []): string {
  let doc: Record<string, unknown>;
  try {
    doc = parse(base) as Record<string, unknown>;
  } catch (e) {
    throw new PaddockError(ErrorCodes.INVALID_CONFIG, `the node image's containerd config does not parse: ${(e as Error).message}`);
  }
  for (const [i, p] of patches.entries()) {
    let patch: Record<string, unknown>;
    try {
      patch = parse(p) as Record<string, unknown>;
    } catch (e) {
      throw new PaddockError(ErrorCodes.INVALID_CONFIG, `containerdConfigPatches[${i}] is not valid TOML: ${(e as Error).message}`);
    }
    doc = mergePatch(doc, patch) as Record<string, unknown>;
  }
  for (const [i, p] of json6902.entries()) {
    try {
      doc = jsonpatch.applyPatch(doc, yaml.load(p) as jsonpatch.Operation[], true, false).newDocument;
    } catch (e) {
      throw new PaddockError(ErrorCodes.INVALID_CONFIG, `containerdConfigPatchesJSON6902[${i}] does not apply: ${(e as Error).message}`);
    }
  }
  return stringify(doc);
}
