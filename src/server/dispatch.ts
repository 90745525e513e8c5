/**
 * The one place where a face's raw payload becomes a core call: check the op
 * name, validate the input with the contract's zod schema, run the handler
 * (jobs get an opId, their progress goes to the bus and the job tracker),
 * validate the output, and answer podman-desktop's envelope {result}|{error}.
 * Both the Electron IPC and the web server use it, so they cannot drift.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { api, isOpName, type ApiHandlers, type OpName } from '../shared/api.js';
import { ErrorCodes, toPaddockError, type SerializedError } from '../shared/errors.js';
import type { ProgressEvent } from '../shared/progress.js';
import type { EventBus } from '../core/events.js';
import { JobTracker } from './jobs.js';
import { describeJob } from './describe-job.js';

export interface InvalidIssue {
  path: string;
  message: string;
}

export type Envelope<T = unknown> =
  | { result: T }
  | { error: SerializedError; issues?: InvalidIssue[] };

export interface InvokeOptions {
  /** Chosen by the caller so it can follow the progress events of its own call. */
  opId?: string;
  signal?: AbortSignal;
}

export interface Dispatcher {
  invoke(op: string, input: unknown, opts?: InvokeOptions): Promise<Envelope>;
  readonly jobs: JobTracker;
}

const OP_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidOpId(x: unknown): x is string {
  return typeof x === 'string' && OP_ID.test(x);
}

export function zodIssues(error: z.ZodError): InvalidIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

export function createDispatcher({ core, bus, jobs = new JobTracker() }: { core: ApiHandlers; bus: EventBus; jobs?: JobTracker }): Dispatcher {
  async function invoke(op: string, rawInput: unknown, opts: InvokeOptions = {}): Promise<Envelope> {
    if (!isOpName(op)) {
      return { error: { code: ErrorCodes.USAGE, message: `Unknown operation "${op.slice(0, 60)}"` } };
    }
    const spec = api[op];
    const parsed = spec.input.safeParse(rawInput ?? {});
    if (!parsed.success) {
      const issues = zodIssues(parsed.error);
      const first = issues[0];
      const message = `Invalid input for ${op}${first ? `: ${first.path ? `${first.path}: ` : ''}${first.message}` : ''}`;
      return { error: { code: ErrorCodes.USAGE, message }, issues };
    }
    const opId = isValidOpId(opts.opId) ? opts.opId : randomUUID();
    const progress = (event: ProgressEvent) => {
      jobs.record(event);
      bus.emit({ type: 'progress', event });
    };
    if (spec.job) bus.emit({ type: 'job.changed', job: jobs.start(opId, op, describeJob(op, parsed.data)) });
    let envelope: Envelope;
    try {
      const handler = core[op] as (input: unknown, ctx: { progress: typeof progress; opId: string; signal?: AbortSignal }) => Promise<unknown>;
      const out = await handler(parsed.data, { progress, opId, signal: opts.signal });
      const checked = spec.output.safeParse(out);
      if (!checked.success) {
        const issues = zodIssues(checked.error);
        envelope = {
          error: { code: ErrorCodes.INTERNAL, message: `Paddock's core answered ${op} with data outside the contract (${issues[0]?.path}: ${issues[0]?.message})` },
        };
      } else {
        envelope = { result: checked.data };
      }
    } catch (e) {
      envelope = { error: toPaddockError(e).toJSON() };
    }
    if (spec.job) {
      const ended = jobs.end(opId, 'error' in envelope ? envelope.error : undefined);
      if (ended) bus.emit({ type: 'job.changed', job: ended });
    }
    return envelope;
  }
  return { invoke, jobs };
}

export function opNameList(): OpName[] {
  return Object.keys(api) as OpName[];
}
