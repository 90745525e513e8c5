/** Calls the contract and turns error envelopes back into thrown ApiErrors. */
import type { OpInput, OpName, OpOutput } from '../shared/api.js';
import type { SerializedError } from '../shared/errors.js';
import { getBridge } from './transport/index.js';
import type { InvalidIssue, InvokeOptions } from './transport/types.js';

export class ApiError extends Error {
  readonly code: string;
  readonly remedy?: string;
  readonly output?: string;
  readonly issues?: InvalidIssue[];

  constructor(e: SerializedError, issues?: InvalidIssue[]) {
    super(e.message);
    this.name = 'ApiError';
    this.code = e.code;
    this.remedy = e.remedy;
    this.output = e.output;
    this.issues = issues;
  }
}

export async function call<N extends OpName>(op: N, input: OpInput<N>, opts?: InvokeOptions): Promise<OpOutput<N>> {
  const env = await getBridge().invoke(op, input, opts);
  if ('error' in env) throw new ApiError(env.error, env.issues);
  return env.result;
}

export function newOpId(): string {
  return `ui-${crypto.randomUUID()}`;
}
