import { execa } from 'execa';
import { expect, it } from 'vitest';
import { describeIf, dockerUnavailableReason } from '../support/tiers.js';

const paddock = (args: string[], env: Record<string, string> = {}) =>
  execa('node', ['bin/paddock.js', ...args], { reject: false, env: { ...env, PADDOCK_HOME: '/tmp/paddock-test-home' } });

describeIf('docker', await dockerUnavailableReason())('paddock CLI against the real engine', () => {
  it('doctor reports the real engine, cgroups, memory, disk and inotify', async () => {
    const r = await paddock(['doctor', '--output', 'json']);
    const checks = JSON.parse(r.stdout) as { id: string; verdict: string; detail: string }[];
    const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(byId.docker?.verdict).toBe('ok');
    const serverVersion = (await execa('docker', ['version', '--format', '{{.Server.Version}}'])).stdout.trim();
    expect(byId.docker?.detail).toContain(serverVersion);
    const cgroupVersion = (await execa('docker', ['info', '--format', '{{.CgroupVersion}}'])).stdout.trim();
    expect(byId.cgroups?.detail).toContain(`cgroup v${cgroupVersion}`);
    expect(byId.memory).toBeDefined();
    expect(byId.disk).toBeDefined();
    expect(byId.inotify?.detail).toMatch(/max_user_watches=\d+/);
  });

  it('says in one line that Docker is not running, with exit code 3', async () => {
    const r = await paddock(['list'], { DOCKER_HOST: 'unix:///tmp/paddock-no-such-docker.sock' });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/^error: Docker is not running or not reachable at unix:\/\/\/tmp\/paddock-no-such-docker.sock\n  → start Docker/);
  });
});
