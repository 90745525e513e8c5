/**
 * What the renderer may call: the contract, nothing else. Electron's preload
 * and the web-mode client both implement this interface; answers are
 * podman-desktop's envelope so errors keep their code and remedy across the
 * process boundary (contextBridge would strip an Error down to its message).
 */
import type { OpInput, OpName, OpOutput, PushEvent } from '../../shared/api.js';
import type { SerializedError } from '../../shared/errors.js';

export interface InvalidIssue {
  path: string;
  message: string;
}

export type Envelope<T> = { result: T } | { error: SerializedError; issues?: InvalidIssue[] };

export interface InvokeOptions {
  /** Chosen by the caller to follow its own job's progress events. */
  opId?: string;
}

export interface PaddockBridge {
  invoke<N extends OpName>(op: N, input: OpInput<N>, opts?: InvokeOptions): Promise<Envelope<OpOutput<N>>>;
  /** Push events (clusters.changed, job.changed, progress …). Returns a disposer. */
  subscribe(listener: (e: PushEvent) => void): () => void;
}

declare global {
  interface Window {
    paddock?: PaddockBridge;
  }
}
