/**
 * Which Docker engine Paddock talks to, by Docker's own rules, so Paddock and
 * the `docker` CLI always agree:
 *   1. --docker-context NAME (like `docker --context`)
 *   2. DOCKER_HOST (with DOCKER_TLS_VERIFY / DOCKER_CERT_PATH for tcp://)
 *   3. DOCKER_CONTEXT
 *   4. "currentContext" of $DOCKER_CONFIG/config.json (default ~/.docker)
 *   5. the default socket
 * A context is read from the CLI's store: contexts/meta/<sha256 of name>/meta.json
 * and its TLS files in contexts/tls/<sha256 of name>/docker/.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { z } from 'zod';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';

export interface EngineTls {
  /** Folder with ca.pem, cert.pem, key.pem (any may be missing). */
  certDir: string;
  verify: boolean;
}

/** Where an engine is and how Paddock came to choose it. */
export interface Engine {
  /** Short name for people: the docker context's name, or "default". */
  name: string;
  /** unix:///path, tcp://host:port, ssh://user@host[:port] or npipe:// */
  host: string;
  /** Why this engine: "--docker-context X", "DOCKER_HOST", "docker context X", "default socket". */
  reason: string;
  tls?: EngineTls;
  /** The docker context it came from, so a remembered engine is found again the same way. */
  context?: string;
}

export interface ResolveOptions {
  /** The --docker-context flag. */
  context?: string;
  env?: NodeJS.ProcessEnv;
  homedir?: string;
  platform?: NodeJS.Platform;
}

export const DEFAULT_CONTEXT = 'default';

export function defaultHost(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'npipe:////./pipe/docker_engine' : 'unix:///var/run/docker.sock';
}

export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env, homedir = os.homedir()): string {
  return env.DOCKER_CONFIG || path.join(homedir, '.docker');
}

const ContextMetaSchema = z.object({
  Name: z.string(),
  Endpoints: z.object({ docker: z.object({ Host: z.string().min(1), SkipTLSVerify: z.boolean().optional() }).optional() }).passthrough(),
});

function contextId(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The engine of a named docker context; "default" is DOCKER_HOST or the default socket. */
export function engineOfContext(name: string, reason: string, opts: ResolveOptions = {}): Engine {
  const env = opts.env ?? process.env;
  if (name === DEFAULT_CONTEXT) {
    const fromEnv = env.DOCKER_HOST ? engineFromHost(env.DOCKER_HOST, 'DOCKER_HOST', env, opts.homedir) : undefined;
    return { ...(fromEnv ?? { name: DEFAULT_CONTEXT, host: defaultHost(opts.platform) }), name: DEFAULT_CONTEXT, reason, context: DEFAULT_CONTEXT };
  }
  const dir = dockerConfigDir(env, opts.homedir);
  const metaFile = path.join(dir, 'contexts', 'meta', contextId(name), 'meta.json');
  let meta: z.infer<typeof ContextMetaSchema>;
  try {
    meta = ContextMetaSchema.parse(readJson(metaFile));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new PaddockError(
      missing ? ErrorCodes.CONTEXT_NOT_FOUND : ErrorCodes.INVALID_CONFIG,
      missing ? `no docker context named "${name}" (looked in ${path.join(dir, 'contexts')})` : `the docker context "${name}" cannot be read (${metaFile}): ${(e as Error).message}`,
      { remedy: 'see `docker context ls`; create one with `docker context create NAME --docker host=…`' },
    );
  }
  const endpoint = meta.Endpoints.docker;
  if (!endpoint) {
    throw new PaddockError(ErrorCodes.INVALID_CONFIG, `the docker context "${name}" has no Docker endpoint`, { remedy: 'see `docker context inspect ' + name + '`' });
  }
  const tlsDir = path.join(dir, 'contexts', 'tls', contextId(name), 'docker');
  const tls = fs.existsSync(tlsDir) || endpoint.SkipTLSVerify ? { certDir: tlsDir, verify: !endpoint.SkipTLSVerify } : undefined;
  return { name, host: normaliseHost(endpoint.Host), reason, context: name, ...(tls && /^tcp:/.test(endpoint.Host) ? { tls } : {}) };
}

function normaliseHost(host: string): string {
  // Docker accepts "host:port" and ":port" as tcp.
  return host.includes('://') ? host : `tcp://${host.startsWith(':') ? '127.0.0.1' + host : host}`;
}

function engineFromHost(host: string, reason: string, env: NodeJS.ProcessEnv, homedir?: string): Engine {
  const h = normaliseHost(host.trim());
  const tlsVerify = !!env.DOCKER_TLS_VERIFY;
  // As the docker CLI: DOCKER_CERT_PATH (default ~/.docker) is read when TLS is asked for.
  const tls = /^tcp:/.test(h) && (tlsVerify || env.DOCKER_CERT_PATH) ? { certDir: env.DOCKER_CERT_PATH || dockerConfigDir(env, homedir), verify: tlsVerify } : undefined;
  return { name: h, host: h, reason, ...(tls ? { tls } : {}) };
}

/** Applies Docker's precedence (see the header) to find the engine. */
export function resolveEngine(opts: ResolveOptions = {}): Engine {
  const env = opts.env ?? process.env;
  if (opts.context) return engineOfContext(opts.context, `--docker-context ${opts.context}`, opts);
  if (env.DOCKER_HOST) return engineFromHost(env.DOCKER_HOST, 'DOCKER_HOST', env, opts.homedir);
  if (env.DOCKER_CONTEXT) return engineOfContext(env.DOCKER_CONTEXT, `DOCKER_CONTEXT=${env.DOCKER_CONTEXT}`, opts);
  const configFile = path.join(dockerConfigDir(env, opts.homedir), 'config.json');
  let current: string | undefined;
  try {
    const cfg = readJson(configFile) as { currentContext?: unknown };
    if (typeof cfg.currentContext === 'string' && cfg.currentContext) current = cfg.currentContext;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new PaddockError(ErrorCodes.INVALID_CONFIG, `cannot read ${configFile}: ${(e as Error).message}`, { remedy: 'fix or remove that file (the docker CLI reads it too)' });
    }
  }
  if (current && current !== DEFAULT_CONTEXT) return engineOfContext(current, `docker context ${current}`, opts);
  return { name: DEFAULT_CONTEXT, host: defaultHost(opts.platform), reason: 'default socket' };
}

function readOptional(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * dockerode options for an engine. Every connection field is set, even to
 * undefined: docker-modem fills unset ones from DOCKER_HOST, which must not
 * win over a context chosen with --docker-context.
 */
export function dockerodeOptions(engine: Engine): Docker.DockerOptions {
  const none = { socketPath: undefined, host: undefined, port: undefined, protocol: undefined, ca: undefined, cert: undefined, key: undefined, username: undefined };
  const url = engine.host;
  if (url.startsWith('unix://')) return { ...none, socketPath: url.slice('unix://'.length) || '/var/run/docker.sock' };
  if (url.startsWith('npipe://')) return { ...none, socketPath: url.slice('npipe://'.length) || '//./pipe/docker_engine' };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PaddockError(ErrorCodes.INVALID_CONFIG, `cannot parse the Docker host "${url}" (${engine.reason})`, {
      remedy: 'use unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://USER@HOST',
    });
  }
  if (parsed.protocol === 'ssh:') {
    return {
      ...none,
      protocol: 'ssh',
      host: parsed.hostname,
      port: parsed.port || 22,
      username: decodeURIComponent(parsed.username) || os.userInfo().username,
      // docker-modem runs `docker system dial-stdio` on the remote host over ssh2, with the ssh agent's keys.
      sshOptions: { agent: process.env.SSH_AUTH_SOCK },
    } as Docker.DockerOptions;
  }
  if (parsed.protocol !== 'tcp:' && parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new PaddockError(ErrorCodes.INVALID_CONFIG, `unsupported Docker host scheme "${parsed.protocol}" in ${url} (${engine.reason})`, {
      remedy: 'use unix://, tcp:// or ssh://',
    });
  }
  const tls = engine.tls;
  const useTls = !!tls || parsed.protocol === 'https:';
  const port = parsed.port || (useTls ? 2376 : 2375);
  if (!useTls) return { ...none, protocol: 'http', host: parsed.hostname, port };
  const ca = tls && readOptional(path.join(tls.certDir, 'ca.pem'));
  const cert = tls && readOptional(path.join(tls.certDir, 'cert.pem'));
  const key = tls && readOptional(path.join(tls.certDir, 'key.pem'));
  if (tls?.verify && !ca) {
    throw new PaddockError(ErrorCodes.INVALID_CONFIG, `TLS verification is on for ${url} but ${path.join(tls.certDir, 'ca.pem')} is missing (${engine.reason})`, {
      remedy: 'set DOCKER_CERT_PATH to the folder with ca.pem, cert.pem and key.pem, or unset DOCKER_TLS_VERIFY',
    });
  }
  const opts = { ...none, protocol: 'https' as const, host: parsed.hostname, port, ca, cert, key };
  // The docker CLI's "tls without verify": encrypted, the server's certificate is not checked.
  return tls && !tls.verify ? ({ ...opts, ca: undefined, agent: new https.Agent({ rejectUnauthorized: false }) } as Docker.DockerOptions) : opts;
}

/** Engines are told apart by where they are, whatever name reached them. */
export function engineKey(engine: Pick<Engine, 'host'>): string {
  return engine.host.replace(/\/+$/, '');
}

/** "default (unix:///var/run/docker.sock)" or the host alone when the name is the host. */
export function engineLabel(engine: Pick<Engine, 'name' | 'host'>): string {
  return engine.name === engine.host ? engine.host : `${engine.name} (${engine.host})`;
}
