/**
 * Opens a URL in the user's browser without a shell: the platform's opener
 * gets the URL as one argument. Only http://127.0.0.1|localhost URLs.
 */
import { spawn } from 'node:child_process';

export function browserCommand(platform: NodeJS.Platform, url: string): { cmd: string; args: string[] } {
  switch (platform) {
    case 'darwin':
      return { cmd: 'open', args: [url] };
    case 'win32':
      // rundll32 takes the URL as data, unlike `cmd /c start`, which would parse it.
      return { cmd: 'rundll32', args: ['url.dll,FileProtocolHandler', url] };
    default:
      return { cmd: 'xdg-open', args: [url] };
  }
}

export function openBrowser(url: string, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  const u = new URL(url);
  if (u.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) return Promise.resolve(false);
  const { cmd, args } = browserCommand(platform, u.toString());
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd, args, { stdio: 'ignore', detached: true, shell: false });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
