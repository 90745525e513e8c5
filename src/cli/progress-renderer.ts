/**
 * Renders ProgressEvents: a spinner line per step on a terminal, plain
 * timestamped lines otherwise (CI logs, pipes). Failed steps get ✗ and the
 * error; `--verbose` shows log lines, `--quiet` only failures.
 */
import type { ProgressEvent, ProgressSink } from '../shared/progress.js';

export interface RendererOptions {
  tty: boolean;
  verbose: boolean;
  quiet: boolean;
  write?: (s: string) => void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function formatDuration(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : ms < 120_000 ? `${Math.round(ms / 1000)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

export class ProgressRenderer {
  private readonly write: (s: string) => void;
  private readonly titles = new Map<string, string>();
  private readonly percents = new Map<string, number>();
  private active: string | undefined;
  private lastLog = '';
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = new Map<string, number>();

  constructor(private readonly opts: RendererOptions) {
    this.write = opts.write ?? ((s) => process.stderr.write(s));
  }

  readonly sink: ProgressSink = (e: ProgressEvent) => this.handle(e);

  handle(e: ProgressEvent): void {
    switch (e.type) {
      case 'step-start':
        this.titles.set(e.stepId, e.title);
        this.startedAt.set(e.stepId, e.at);
        this.active = e.stepId;
        this.lastLog = '';
        if (this.opts.tty && !this.opts.quiet) this.startSpinner();
        else if (!this.opts.quiet) this.write(`• ${e.title} …\n`);
        break;
      case 'step-end': {
        const title = this.titles.get(e.stepId) ?? e.stepId;
        if (this.active === e.stepId) this.active = undefined;
        this.stopSpinner();
        if (e.ok) {
          if (!this.opts.quiet) this.write(`${this.opts.tty ? '\r\x1b[2K' : ''} ✓ ${title} (${formatDuration(e.durationMs)})\n`);
        } else {
          this.write(`${this.opts.tty ? '\r\x1b[2K' : ''} ✗ ${title} (${formatDuration(e.durationMs)})${e.error ? `: ${e.error}` : ''}\n`);
        }
        break;
      }
      case 'percent':
        this.percents.set(e.stepId, e.percent);
        if (!this.opts.tty && this.opts.verbose) this.write(`  ${this.titles.get(e.stepId) ?? e.stepId}: ${Math.round(e.percent)}%\n`);
        break;
      case 'log':
        this.lastLog = e.line.trim();
        if (this.opts.verbose) {
          if (this.opts.tty) this.write('\r\x1b[2K');
          this.write(`    ${e.line.trimEnd()}\n`);
        }
        break;
    }
  }

  private startSpinner(): void {
    this.stopSpinner();
    const draw = () => {
      if (!this.active) return;
      const title = this.titles.get(this.active) ?? this.active;
      const pct = this.percents.get(this.active);
      const elapsed = formatDuration(Date.now() - (this.startedAt.get(this.active) ?? Date.now()));
      const cols = process.stderr.columns || 100;
      let line = `${FRAMES[this.frame++ % FRAMES.length]} ${title}${pct !== undefined ? ` ${Math.round(pct)}%` : ''} (${elapsed})`;
      if (this.lastLog) line += `  ${this.lastLog}`;
      this.write(`\r\x1b[2K${line.slice(0, cols - 1)}`);
    };
    draw();
    this.timer = setInterval(draw, 100);
    this.timer.unref();
  }

  private stopSpinner(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.stopSpinner();
  }
}
