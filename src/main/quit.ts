/** The question asked on Quit while clusters run (pure). */
import type { ClusterSummary } from '../shared/api.js';

export type QuitChoice = 'stop-and-quit' | 'quit' | 'cancel';

export interface QuitPrompt {
  type: 'question';
  message: string;
  detail: string;
  buttons: string[];
  defaultId: number;
  cancelId: number;
  choices: QuitChoice[];
}

export function quitPrompt(clusters: ClusterSummary[]): QuitPrompt | undefined {
  const running = clusters.filter((c) => c.status === 'running' || c.status === 'degraded' || c.status === 'paused');
  if (running.length === 0) return undefined;
  const names = running.map((c) => c.name).join(', ');
  return {
    type: 'question',
    message: running.length === 1 ? `Cluster ${names} is running.` : `${running.length} clusters are running: ${names}.`,
    detail: 'Clusters keep running without the app and use memory and CPU. Stop them before quitting?',
    buttons: ['Stop clusters and quit', 'Quit, keep them running', 'Cancel'],
    defaultId: 1,
    cancelId: 2,
    choices: ['stop-and-quit', 'quit', 'cancel'],
  };
}
