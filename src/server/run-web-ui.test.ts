import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../core/index.js';
import { runWebUi } from './run-web-ui.js';

describe('runWebUi', () => {
  it('serves, prints the tokened URL with a warning, and does not open a browser when asked not to', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paddock-run-'));
    mkdirSync(join(dir, 'r'));
    writeFileSync(join(dir, 'r', 'index.html'), '<div id="root"></div>');
    const lines: string[] = [];
    const srv = await runWebUi({ core: createCore(), open: false, print: (l) => lines.push(l), rendererDir: join(dir, 'r') });
    try {
      expect(lines[0]).toBe(`Paddock is at ${srv.url}`);
      expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
      expect(lines[1]).toMatch(/secret token/);
      const res = await fetch(srv.url, { redirect: 'manual' });
      expect(res.status).toBe(303);
    } finally {
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
