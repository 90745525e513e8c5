/** What the desktop notification says when a job ends (pure). */
import type { JobInfo } from '../shared/api.js';

export interface NotificationContent {
  title: string;
  body: string;
}

export function jobNotification(job: JobInfo): NotificationContent | undefined {
  if (job.state === 'running') return undefined;
  const took = job.endedAt ? ` in ${Math.max(1, Math.round((job.endedAt - job.startedAt) / 1000))} s` : '';
  if (job.state === 'succeeded') return { title: `${job.title}: done`, body: `Finished${took}.` };
  const remedy = job.error?.remedy ? `\n${job.error.remedy}` : '';
  return { title: `${job.title}: failed`, body: `${job.error?.message ?? 'The job failed.'}${remedy}` };
}
