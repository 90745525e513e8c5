/**
 * The load-balancer image (images/lb, a small Go TCP balancer), built from
 * source and imported into Docker without any registry. Tagged by the hash of
 * its sources, so it is built once per change.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import type { Progress } from '../shared/progress.js';
import { hashTree } from './build-cache.js';
import type { DockerRuntime } from './runtime/docker.js';

const LB_SOURCE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../images/lb');
export const LB_IMAGE_REPO = 'paddock/lb';

export async function lbImageTag(): Promise<string> {
  return `${LB_IMAGE_REPO}:${(await hashTree(LB_SOURCE, [process.arch])).slice(0, 12)}`;
}

export async function ensureLbImage(runtime: DockerRuntime, progress?: Progress): Promise<string> {
  const { execa } = await import('execa'); // loaded on use: ~80 ms of every command's start
  const tag = await lbImageTag();
  if (await runtime.imageExists(tag)) return tag;
  progress?.log(`building ${tag} from images/lb`);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'paddock-lb-'));
  try {
    const goArch = process.arch === 'arm64' ? 'arm64' : 'amd64';
    const built = await execa('go', ['build', '-trimpath', '-ldflags', '-s -w', '-o', path.join(dir, 'paddock-lb'), '.'], {
      cwd: LB_SOURCE,
      env: { CGO_ENABLED: '0', GOOS: 'linux', GOARCH: goArch },
      reject: false,
      all: true,
    });
    if (built.exitCode !== 0) {
      throw new PaddockError(ErrorCodes.IMAGE_BUILD_FAILED, 'building the load balancer (images/lb) failed', {
        output: built.all,
        remedy: built.failed && (built as { code?: string }).code === 'ENOENT' ? 'install Go 1.26 or newer' : undefined,
      });
    }
    const tar = execa('tar', ['-C', dir, '-c', 'paddock-lb']);
    await execa('docker', ['import', '--change', 'ENTRYPOINT ["/paddock-lb"]', '--change', `LABEL io.paddock.image=lb`, '-', tag], {
      input: tar.stdout ?? undefined,
    });
    await tar;
    return tag;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
