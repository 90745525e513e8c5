import { ErrorCodes, PaddockError } from '../../shared/errors.js';

import { defaultHost, type Engine } from './engine.js';

/** The engine a message names ("…at unix:///var/run/docker.sock"). */
export function dockerEndpointLabel(engine?: Engine): string {
  return engine?.host ?? (process.env.DOCKER_HOST || defaultHost());
}

/**
 * Maps transport failures to one clear line with what to do. Everything
 * else from the engine becomes DOCKER_FAILED with the engine's own message.
 */
export function dockerError(e: unknown, doing: string, engine?: Engine): PaddockError {
  if (e instanceof PaddockError) return e;
  const err = e as { code?: string; statusCode?: number; message?: string; json?: { message?: string } };
  const where = dockerEndpointLabel(engine);
  if (err?.code === 'ECONNREFUSED' || err?.code === 'ENOENT' || err?.code === 'ECONNRESET' || err?.code === 'EHOSTUNREACH' || err?.code === 'ETIMEDOUT') {
    return new PaddockError(ErrorCodes.DOCKER_UNREACHABLE, `Docker is not running or not reachable at ${where}`, {
      remedy: `start Docker (Docker Desktop, \`sudo systemctl start docker\`, or \`dockerd\`), or choose another engine (DOCKER_HOST, \`docker context use\`, --docker-context)${engine ? `; this one was chosen by ${engine.reason}` : ''}`,
      cause: e,
    });
  }
  if (err?.code === 'EACCES' || err?.code === 'EPERM') {
    return new PaddockError(ErrorCodes.DOCKER_PERMISSION, `permission denied on the Docker socket ${where}`, {
      remedy: 'add your user to the "docker" group (`sudo usermod -aG docker $USER`, then log in again), or use rootless Docker',
      cause: e,
    });
  }
  const message = err?.json?.message ?? err?.message ?? String(e);
  return new PaddockError(ErrorCodes.DOCKER_FAILED, `Docker failed while ${doing}: ${message.trim()}`, { cause: e });
}

export function isNotFound(e: unknown): boolean {
  return (e as { statusCode?: number })?.statusCode === 404;
}
