/** Removes everything a test run labelled, even when the test failed. */
import { execa } from 'execa';

export async function removeLabelled(label: string): Promise<void> {
  const ids = (await execa('docker', ['ps', '-aq', '--filter', `label=${label}`], { reject: false })).stdout.split('\n').filter(Boolean);
  if (ids.length) await execa('docker', ['rm', '-f', '-v', ...ids], { reject: false });
  const nets = (await execa('docker', ['network', 'ls', '-q', '--filter', `label=${label}`], { reject: false })).stdout.split('\n').filter(Boolean);
  for (const n of nets) await execa('docker', ['network', 'rm', n], { reject: false });
  const vols = (await execa('docker', ['volume', 'ls', '-q', '--filter', `label=${label}`], { reject: false })).stdout.split('\n').filter(Boolean);
  if (vols.length) await execa('docker', ['volume', 'rm', '-f', ...vols], { reject: false });
}

export async function countLabelled(label: string): Promise<{ containers: number; networks: number; volumes: number }> {
  const count = async (args: string[]) => (await execa('docker', [...args, '--filter', `label=${label}`], { reject: false })).stdout.split('\n').filter(Boolean).length;
  return {
    containers: await count(['ps', '-aq']),
    networks: await count(['network', 'ls', '-q']),
    volumes: await count(['volume', 'ls', '-q']),
  };
}
