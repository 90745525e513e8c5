// Renders the PNG icons from the SVG with Debian's Chromium: `npx tsx assets/render-icons.mts`.
import { fileURLToPath } from 'node:url';
const ASSETS = fileURLToPath(new URL('.', import.meta.url));
import { readFileSync } from 'node:fs';
const { launchChromium } = await import('../test/ui/browser.ts');
const svg = readFileSync(ASSETS + 'icon.svg', 'utf8');
const b = await launchChromium();
const page = await b.context.newPage();
async function shot(size: number, out: string, body: string) {
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(`<html><body style="margin:0;background:transparent">${body}</body></html>`);
  await page.locator('svg').first().screenshot({ path: out, omitBackground: true });
}
const sized = (s: number) => svg.replace('width="256" height="256"', `width="${s}" height="${s}"`);
await shot(512, ASSETS + 'icon.png', sized(512));
await shot(256, ASSETS + 'icon-256.png', sized(256));
// Tray: a simple wheel-over-fence glyph that reads at 16–22 px.
const tray = (color: string, s: number) => `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="${s}" height="${s}">
<g fill="none" stroke="${color}" stroke-linecap="round"><circle cx="16" cy="12" r="7.5" stroke-width="2.6"/>
<g stroke-width="2"><line x1="16" y1="12" x2="16" y2="2.5"/><line x1="16" y1="12" x2="24.5" y2="8"/><line x1="16" y1="12" x2="7.5" y2="8"/></g></g>
<circle cx="16" cy="12" r="2.6" fill="${color}"/>
<g fill="${color}"><rect x="2" y="21" width="28" height="3" rx="1"/><rect x="2" y="26.5" width="28" height="3" rx="1"/>
<rect x="4" y="18" width="3.2" height="14" rx="1"/><rect x="14.4" y="18" width="3.2" height="14" rx="1"/><rect x="24.8" y="18" width="3.2" height="14" rx="1"/></g></svg>`;
await shot(32, ASSETS + 'tray.png', tray('#1f9d8f', 32));
await shot(16, ASSETS + 'trayTemplate.png', tray('#000000', 16));
await shot(32, ASSETS + 'trayTemplate@2x.png', tray('#000000', 32));
await b.close();
