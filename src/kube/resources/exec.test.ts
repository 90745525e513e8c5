import { describe, expect, it } from 'vitest';
import { execPath, exitFromStatus } from './exec.js';

describe('exec stream helpers', () => {
  it('reads the exit code from the channel-3 Status', () => {
    expect(exitFromStatus('{"metadata":{},"status":"Success"}')).toEqual({ exitCode: 0 });
    const failed = { status: 'Failure', message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } };
    expect(exitFromStatus(JSON.stringify(failed))).toEqual({ exitCode: 3 });
    expect(exitFromStatus('{"status":"Failure","message":"container not found (\\"x\\")"}')).toEqual({ error: 'container not found ("x")' });
    expect(exitFromStatus('garbage')).toEqual({ error: 'garbage' });
  });

  it('asks for stderr apart only without a tty (the server refuses both)', () => {
    const tty = new URL(`http://x${execPath({ namespace: 'ns 1', pod: 'p', container: 'c', command: ['sh', '-c', 'echo a&b'], tty: true })}`);
    expect(tty.pathname).toBe('/api/v1/namespaces/ns%201/pods/p/exec');
    expect(tty.searchParams.getAll('command')).toEqual(['sh', '-c', 'echo a&b']);
    expect(Object.fromEntries([...tty.searchParams].filter(([k]) => k !== 'command'))).toEqual({ container: 'c', stdout: 'true', stderr: 'false', stdin: 'true', tty: 'true' });
    const plain = new URL(`http://x${execPath({ namespace: 'n', pod: 'p', command: ['ls'], stdin: false })}`);
    expect(plain.searchParams.get('stderr')).toBe('true');
    expect(plain.searchParams.get('stdin')).toBe('false');
    expect(plain.searchParams.has('container')).toBe(false);
  });
});
