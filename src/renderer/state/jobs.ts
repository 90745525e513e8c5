/**
 * Jobs as the GUI draws them, rebuilt from push events only (job.changed and
 * progress). Pure reducer + a tiny external store for useSyncExternalStore,
 * so a progress view survives navigating away and back.
 */
import type { JobInfo, PushEvent } from '../../shared/api.js';
import type { ProgressEvent } from '../../shared/progress.js';

export interface StepView {
  stepId: string;
  title: string;
  state: 'running' | 'ok' | 'failed';
  startedAt: number;
  durationMs?: number;
  percent?: number;
  error?: string;
}

export interface JobView {
  info: JobInfo;
  steps: StepView[];
  log: string[];
}

export type JobsState = Readonly<Record<string, JobView>>;

export const LOG_TAIL = 200;

function emptyJob(opId: string, at: number): JobView {
  return { info: { opId, op: 'unknown', title: 'Job', state: 'running', startedAt: at }, steps: [], log: [] };
}

function applyProgress(job: JobView, e: ProgressEvent): JobView {
  switch (e.type) {
    case 'step-start': {
      const steps = job.steps.filter((s) => s.stepId !== e.stepId);
      return { ...job, steps: [...steps, { stepId: e.stepId, title: e.title, state: 'running', startedAt: e.at }] };
    }
    case 'step-end':
      return {
        ...job,
        steps: job.steps.map((s) =>
          s.stepId === e.stepId ? { ...s, state: e.ok ? 'ok' : 'failed', durationMs: e.durationMs, ...(e.error ? { error: e.error } : {}) } : s,
        ),
      };
    case 'percent':
      return { ...job, steps: job.steps.map((s) => (s.stepId === e.stepId ? { ...s, percent: e.percent } : s)) };
    case 'log': {
      const log = job.log.length >= LOG_TAIL ? job.log.slice(job.log.length - LOG_TAIL + 1) : job.log.slice();
      log.push(e.line);
      return { ...job, log };
    }
  }
}

export function reduceJobs(state: JobsState, e: PushEvent): JobsState {
  if (e.type === 'job.changed') {
    const prev = state[e.job.opId];
    let steps = prev?.steps ?? [];
    // A job that ended cannot have running steps any more: close them.
    if (e.job.state !== 'running') {
      steps = steps.map((s) => (s.state === 'running' ? { ...s, state: e.job.state === 'failed' ? 'failed' : 'ok' } : s));
    }
    return { ...state, [e.job.opId]: { info: e.job, steps, log: prev?.log ?? [] } };
  }
  if (e.type === 'progress') {
    const ev = e.event as ProgressEvent;
    if (!ev || typeof ev.opId !== 'string') return state;
    const job = state[ev.opId] ?? emptyJob(ev.opId, ev.at);
    return { ...state, [ev.opId]: applyProgress(job, ev) };
  }
  return state;
}

export function sortedJobs(state: JobsState): JobView[] {
  return Object.values(state).sort((a, b) => b.info.startedAt - a.info.startedAt);
}

export function runningJobFor(state: JobsState, clusterTitleSuffix: string): JobView | undefined {
  return Object.values(state).find((j) => j.info.state === 'running' && j.info.title.endsWith(` ${clusterTitleSuffix}`));
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

type Listener = () => void;

export class JobsStore {
  private state: JobsState = {};
  private listeners = new Set<Listener>();

  apply = (e: PushEvent): void => {
    const next = reduceJobs(this.state, e);
    if (next === this.state) return;
    this.state = next;
    for (const l of [...this.listeners]) l();
  };

  getSnapshot = (): JobsState => this.state;

  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
}

export const jobsStore = new JobsStore();
