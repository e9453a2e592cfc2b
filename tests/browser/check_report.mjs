// Opens an `agentobs report --html` page in Debian's chromium (headless, over the DevTools
// protocol through playwright-core; no browser is ever downloaded) and prints, as one JSON
// object on stdout, what the page shows: the numbers in its DOM, every request it made,
// every console error, its load times; it saves screenshots of the overview and of one
// session page.
//
// usage: node check_report.mjs PAGE.html SCREENSHOT_DIR [NAME_PREFIX]
// env:   AGENTOBS_CHROMIUM  the chromium binary (default /usr/bin/chromium)
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [page_path, shots, prefix = 'report'] = process.argv.slice(2);
if (!page_path || !shots) {
  console.error('usage: node check_report.mjs PAGE.html SCREENSHOT_DIR [NAME_PREFIX]');
  process.exit(2);
}
const url = pathToFileURL(resolve(page_path)).href;
mkdirSync(shots, { recursive: true });
const profile = mkdtempSync(join(tmpdir(), 'agentobs-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.AGENTOBS_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const out = { url, requests: [], console_errors: [], page_errors: [] };
try {
  const page = context.pages()[0] || await context.newPage();
  page.on('request', (r) => out.requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error') out.console_errors.push(m.text()); });
  page.on('pageerror', (e) => out.page_errors.push(String(e)));
  const started = Date.now();
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('html[data-ready]', { timeout: 30000 });
  out.wall_ms = Date.now() - started;
  out.timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return {
      load_event_ms: nav ? nav.loadEventEnd : null,
      ready_ms: Number(document.documentElement.getAttribute('data-ready-ms')),
      bytes: nav ? nav.decodedBodySize : null,
      // Time of each step of the page's script (performance.mark), from the navigation start.
      marks: Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)])),
      dom_content_loaded_ms: nav ? Math.round(nav.domContentLoadedEventStart) : null,
    };
  });
  out.overview = await page.evaluate(() => {
    const v = (sel) => { const e = document.querySelector(sel); return e ? e.getAttribute('data-value') : null; };
    const cells = (tr) => Object.fromEntries([...tr.querySelectorAll('td[data-col]')].map((td) => [td.dataset.col, td.dataset.value]));
    return {
      total_cost: v('#total-cost'),
      total_tokens: v('#total-tokens'),
      sessions: v('#session-count'),
      alerts: v('#alert-count'),
      price_book: v('#price-book'),
      unpriced: (document.querySelector('#unpriced') || {}).textContent || null,
      models: [...document.querySelectorAll('#models-table tbody tr')].map((tr) => ({ model: tr.dataset.model, ...cells(tr) })),
      session_rows: document.querySelector('#session-rows') ? Number(document.querySelector('#session-rows').getAttribute('data-total')) : 0,
      no_usage: !!document.querySelector('#no-usage'),
      session_rows_listed: document.querySelectorAll('#sessions-table tbody tr').length,
      session_pages: [...document.querySelectorAll('#sessions-table tbody a[href^="#session="]')].map((a) => a.textContent),
      alert_rows: document.querySelectorAll('#alerts-table tbody tr').length,
      charts: [...document.querySelectorAll('canvas')].map((c) => ({ id: c.id, width: c.width, height: c.height })),
      csp: (document.querySelector('meta[http-equiv="Content-Security-Policy"]') || {}).content || null,
    };
  });
  await page.screenshot({ path: join(shots, `${prefix}-overview.png`), fullPage: true });
  // The sorting and filtering of the session table.
  out.table = await page.evaluate(() => {
    if (!document.querySelector('#sessions-table')) return null;
    const ids = () => [...document.querySelectorAll('#sessions-table tbody tr')].map((tr) => tr.dataset.session);
    const before = ids();
    document.querySelector('#sessions-table th[data-key="tools"] button').click();
    const by_tools = [...document.querySelectorAll('#sessions-table tbody td[data-col="tools"]')].map((td) => Number(td.dataset.value));
    const f = document.querySelector('#session-filter');
    f.value = before[0] || 'x';
    f.dispatchEvent(new Event('input'));
    const filtered = ids();
    f.value = '';
    f.dispatchEvent(new Event('input'));
    const all = document.querySelector('#session-all');
    if (!all.hidden) all.click();
    const listed_all = ids().length;
    return { first: before[0] || null, by_tools, filtered, listed_all };
  });
  // One session page: the first with an alert, else the most expensive.
  const target = await page.evaluate(() => {
    const a = document.querySelector('#sessions-table tr.alerted a[href^="#session="]')
      || document.querySelector('#sessions-table a[href^="#session="]');
    return a ? a.textContent : null;
  });
  if (target) {
    await page.evaluate((id) => { location.hash = 'session=' + encodeURIComponent(id); }, target);
    await page.waitForSelector('#timeline');
    out.session = await page.evaluate(() => ({
      title: document.querySelector('#session-title .id').textContent,
      entries: document.querySelectorAll('#timeline tbody tr').length,
      pinned: [...document.querySelectorAll('#timeline tbody tr.alerted')].map((tr) => tr.id),
      alerts: document.querySelectorAll('#session-alerts li').length,
      kinds: [...new Set([...document.querySelectorAll('#timeline tbody tr')].map((tr) => tr.dataset.kind))],
      waterfall: !!document.querySelector('#chart-waterfall'),
      overview_hidden: document.querySelector('#overview').hidden,
    }));
    await page.screenshot({ path: join(shots, `${prefix}-session.png`), fullPage: false });
  }
  // A print: the number tables open.
  await page.evaluate(() => { location.hash = ''; });
  await page.emulateMedia({ media: 'print' });
  await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
  out.print_open = await page.evaluate(() => [...document.querySelectorAll('details.numbers')].every((d) => d.open));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
