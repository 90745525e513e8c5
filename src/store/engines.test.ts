import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEngineRecords, updateEngineRecords } from './engines.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-engines-'));
  file = path.join(dir, 'sub', 'engines.json');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const second = { name: 'second', host: 'unix:///tmp/second.sock', reason: 'docker context second', context: 'second' };
const main = { name: 'default', host: 'unix:///var/run/docker.sock', reason: 'default socket' };

describe('engines.json: which engine holds which cluster', () => {
  it('starts empty, remembers a cluster per engine, once, and forgets it on one engine only', async () => {
    expect(await readEngineRecords(file)).toEqual([]);
    await updateEngineRecords({ add: [{ cluster: 'dev', engine: second }, { cluster: 'dev', engine: main }] }, file);
    await updateEngineRecords({ add: [{ cluster: 'dev', engine: second }] }, file);
    const records = await readEngineRecords(file);
    expect(records.map((r) => [r.cluster, r.engine.host])).toEqual([
      ['dev', 'unix:///tmp/second.sock'],
      ['dev', 'unix:///var/run/docker.sock'],
    ]);
    // How to reach it again is kept; why it was chosen then is not (it is "remembered" from now on).
    expect(records[0]!.engine).toEqual({ name: 'second', host: 'unix:///tmp/second.sock', context: 'second' });
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');

    await updateEngineRecords({ remove: [{ cluster: 'dev', engine: { host: 'unix:///tmp/second.sock/' } }] }, file);
    expect((await readEngineRecords(file)).map((r) => r.engine.name)).toEqual(['default']);
  });

  it('a damaged file is an error that says what to do', async () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"version":1,"clusters":[{"cluster":""}]}');
    await expect(readEngineRecords(file)).rejects.toThrow(/is not a valid engines file/);
  });
});
