/**
 * One error type for everything a user can cause or meet. The CLI prints
 * `message` and `remedy`; the GUI shows them; `code` is stable for scripts.
 */
export const ErrorCodes = {
  USAGE: 'USAGE',
  INVALID_NAME: 'INVALID_NAME',
  INVALID_CONFIG: 'INVALID_CONFIG',
  NOT_IMPLEMENTED: 'NOT_IMPLEMENTED',
  DOCKER_UNREACHABLE: 'DOCKER_UNREACHABLE',
  DOCKER_PERMISSION: 'DOCKER_PERMISSION',
  DOCKER_FAILED: 'DOCKER_FAILED',
  CLUSTER_EXISTS: 'CLUSTER_EXISTS',
  CLUSTER_NOT_FOUND: 'CLUSTER_NOT_FOUND',
  CLUSTER_BUSY: 'CLUSTER_BUSY',
  IMAGE_MISSING: 'IMAGE_MISSING',
  IMAGE_BUILD_FAILED: 'IMAGE_BUILD_FAILED',
  PORT_IN_USE: 'PORT_IN_USE',
  RESOURCES_LOW: 'RESOURCES_LOW',
  DISK_FULL: 'DISK_FULL',
  KUBEADM_FAILED: 'KUBEADM_FAILED',
  TIMEOUT: 'TIMEOUT',
  KUBECONFIG_INVALID: 'KUBECONFIG_INVALID',
  KUBECONFIG_LOCKED: 'KUBECONFIG_LOCKED',
  CONTEXT_NOT_FOUND: 'CONTEXT_NOT_FOUND',
  /** The context's user may not do this (RBAC): said before trying, or by the API server. */
  FORBIDDEN: 'FORBIDDEN',
  FORWARD_NOT_FOUND: 'FORWARD_NOT_FOUND',
  ADDON_NOT_ENABLED: 'ADDON_NOT_ENABLED',
  CANCELLED: 'CANCELLED',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Exit codes of the CLI, documented in `paddock --help`. */
export const ExitCodes = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_AVAILABLE: 2,
  DOCKER: 3,
  NOT_FOUND: 4,
  CANCELLED: 130,
} as const;

export interface PaddockErrorOptions {
  remedy?: string;
  cause?: unknown;
  /** Output of the command that failed (last lines are shown to the user). */
  output?: string;
}

export class PaddockError extends Error {
  readonly code: ErrorCode;
  readonly remedy?: string;
  readonly output?: string;

  constructor(code: ErrorCode, message: string, opts: PaddockErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PaddockError';
    this.code = code;
    this.remedy = opts.remedy;
    this.output = opts.output;
  }

  toJSON(): SerializedError {
    return { code: this.code, message: this.message, remedy: this.remedy, output: this.output };
  }
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
  remedy?: string;
  output?: string;
}

export function isPaddockError(e: unknown): e is PaddockError {
  return e instanceof PaddockError;
}

/** Turns anything thrown into a PaddockError, keeping the original as cause. */
export function toPaddockError(e: unknown): PaddockError {
  if (e instanceof PaddockError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new PaddockError(ErrorCodes.INTERNAL, message, { cause: e });
}

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'USAGE':
    case 'INVALID_NAME':
    case 'INVALID_CONFIG':
      return ExitCodes.USAGE;
    case 'NOT_IMPLEMENTED':
      return ExitCodes.NOT_AVAILABLE;
    case 'DOCKER_UNREACHABLE':
    case 'DOCKER_PERMISSION':
      return ExitCodes.DOCKER;
    case 'CLUSTER_NOT_FOUND':
    case 'CONTEXT_NOT_FOUND':
    case 'FORWARD_NOT_FOUND':
    case 'ADDON_NOT_ENABLED':
    case 'IMAGE_MISSING':
      return ExitCodes.NOT_FOUND;
    case 'CANCELLED':
      return ExitCodes.CANCELLED;
    default:
      return ExitCodes.FAILURE;
  }
}
