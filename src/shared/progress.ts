/**
 * Long jobs (create, node-image build, addon enable) report typed events.
 * Every `start` of a step gets exactly one `end` (ok or failed), so any
 * renderer (CLI spinner, GUI view, tray badge) can draw ✓/✗ without guessing.
 */
import { z } from 'zod';

export const ProgressEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('step-start'), opId: z.string(), stepId: z.string(), title: z.string(), at: z.number() }),
  z.object({
    type: z.literal('step-end'),
    opId: z.string(),
    stepId: z.string(),
    ok: z.boolean(),
    /** Milliseconds the step took: the per-action timings of bench/create. */
    durationMs: z.number(),
    error: z.string().optional(),
    at: z.number(),
  }),
  z.object({ type: z.literal('percent'), opId: z.string(), stepId: z.string(), percent: z.number().min(0).max(100), at: z.number() }),
  z.object({ type: z.literal('log'), opId: z.string(), stepId: z.string().optional(), line: z.string(), at: z.number() }),
]);
export type ProgressEvent = z.infer<typeof ProgressEventSchema>;
export type ProgressSink = (event: ProgressEvent) => void;

export const noProgress: ProgressSink = () => {};

/** Small helper that stamps opId/at and pairs starts with ends. */
export class Progress {
  constructor(
    readonly opId: string,
    private readonly sink: ProgressSink,
  ) {}

  log(line: string, stepId?: string): void {
    this.sink({ type: 'log', opId: this.opId, stepId, line, at: Date.now() });
  }

  percent(stepId: string, percent: number): void {
    const p = Math.max(0, Math.min(100, percent));
    this.sink({ type: 'percent', opId: this.opId, stepId, percent: p, at: Date.now() });
  }

  /** The same job with step ids under a prefix (e.g. an addon's rollback re-runs steps named like enable's). */
  prefixed(prefix: string): Progress {
    return new Progress(this.opId, (e) => this.sink(e.stepId ? { ...e, stepId: `${prefix}${e.stepId}` } : e));
  }

  /** Runs `fn` as a named step: start event, then an ok or failed end event. */
  async step<T>(stepId: string, title: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    this.sink({ type: 'step-start', opId: this.opId, stepId, title, at: started });
    try {
      const result = await fn();
      this.sink({ type: 'step-end', opId: this.opId, stepId, ok: true, durationMs: Date.now() - started, at: Date.now() });
      return result;
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      this.sink({ type: 'step-end', opId: this.opId, stepId, ok: false, durationMs: Date.now() - started, error, at: Date.now() });
      throw e;
    }
  }
}
