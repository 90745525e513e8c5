/**
 * Remembers the recent long jobs and their progress so a face that connects
 * late (a reopened window, a second browser tab) can replay them. Bounded:
 * the last `maxJobs` jobs and the last `maxEventsPerJob` events of each.
 */
import type { JobInfo, PushEvent } from '../shared/api.js';
import type { ProgressEvent } from '../shared/progress.js';
import type { SerializedError } from '../shared/errors.js';

interface JobRecord {
  info: JobInfo;
  events: ProgressEvent[];
}

export interface JobTrackerOptions {
  maxJobs?: number;
  maxEventsPerJob?: number;
  now?: () => number;
}

export class JobTracker {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly maxJobs: number;
  private readonly maxEvents: number;
  private readonly now: () => number;

  constructor(opts: JobTrackerOptions = {}) {
    this.maxJobs = opts.maxJobs ?? 20;
    this.maxEvents = opts.maxEventsPerJob ?? 400;
    this.now = opts.now ?? Date.now;
  }

  start(opId: string, op: string, title: string): JobInfo {
    const info: JobInfo = { opId, op, title, state: 'running', startedAt: this.now() };
    this.jobs.set(opId, { info, events: [] });
    this.evict();
    return info;
  }

  record(event: ProgressEvent): void {
    const job = this.jobs.get(event.opId);
    if (!job) return;
    job.events.push(event);
    if (job.events.length > this.maxEvents) {
      // Keep every step start/end (the ✓/✗ list) and drop the oldest log lines first.
      const idx = job.events.findIndex((e) => e.type === 'log' || e.type === 'percent');
      job.events.splice(idx >= 0 ? idx : 0, 1);
    }
  }

  end(opId: string, error?: SerializedError): JobInfo | undefined {
    const job = this.jobs.get(opId);
    if (!job) return undefined;
    job.info = {
      ...job.info,
      state: error ? 'failed' : 'succeeded',
      endedAt: this.now(),
      ...(error ? { error } : {}),
    };
    return job.info;
  }

  get(opId: string): JobInfo | undefined {
    return this.jobs.get(opId)?.info;
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => j.info);
  }

  running(): JobInfo[] {
    return this.list().filter((j) => j.state === 'running');
  }

  /** Push events that rebuild the current picture for a new subscriber. */
  replay(): PushEvent[] {
    const out: PushEvent[] = [];
    for (const j of this.jobs.values()) {
      out.push({ type: 'job.changed', job: j.info });
      for (const e of j.events) out.push({ type: 'progress', event: e });
    }
    return out;
  }

  private evict(): void {
    if (this.jobs.size <= this.maxJobs) return;
    // Drop the oldest finished jobs; running ones stay whatever the count.
    for (const [id, j] of this.jobs) {
      if (this.jobs.size <= this.maxJobs) break;
      if (j.info.state !== 'running') this.jobs.delete(id);
    }
  }
}
