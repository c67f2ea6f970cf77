/// <reference lib="dom" />
// The page.evaluate callbacks run in the browser, where document and window exist.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eachDay } from '../../functions/core/dates.js';
import { startOpenAiServer } from '../fixtures/vendors/openai-server.js';
import { runCliCaptured } from '../helpers/cli.js';
import { useLocalDynamo } from '../helpers/dynamo.js';

const dynamo = useLocalDynamo();
/** Debian's Chromium (.ci/run installs it); the flags keep it off the closed network. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
});

/** Opens the report at a width; returns console errors, horizontal overflow and the screenshot. */
async function check(file: string, width: number) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  await page.goto(`file://${file}`);
  const layout = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    // Any element whose right edge passes the viewport, outside a horizontally scrolling box.
    overflowing: Array.from(document.querySelectorAll('body *'))
      .filter((el) => !el.closest('.scroll'))
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
      .map((el) => el.tagName.toLowerCase())
      .slice(0, 5),
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point (what a reader sees).
    text: document.body.innerText,
  }));
  const png = await page.screenshot({ fullPage: true });
  await page.close();
  return { errors, ...layout, png };
}

const pngWidth = (png: Buffer) => png.readUInt32BE(16);

async function expectReadable(file: string, teams: readonly string[]) {
  for (const width of [1280, 390]) {
    const r = await check(file, width);
    expect(r.errors, `console errors at ${width}px`).toEqual([]);
    expect(r.scrollWidth, `page wider than ${width}px`).toBeLessThanOrEqual(r.innerWidth);
    expect(r.overflowing, `elements past the right edge at ${width}px`).toEqual([]);
    expect(pngWidth(r.png)).toBe(width);
    for (const team of teams) expect(r.text).toContain(team);
    expect(r.text).toMatch(/of the year gone/);
  }
}

describe('burnwatch report in headless Chromium', () => {
  it('renders the demo store: every team, org totals, no console errors, no overflow at 1280 and 390 px', async () => {
    // Prepare
    const env = { BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint, BURNWATCH_TABLE: 'report-demo' };
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-report-'));
    // Six weeks of the demo year rather than its full quarter: the same teams, sources and report
    // sections, in half the time, so the verdict is about the page and not about the machine's speed.
    const asOf = '2026-02-10';
    expect((await runCliCaptured(['demo', '--as-of', asOf, '--out', join(dir, 'demo')], { env })).code).toBe(
      0,
    );

    // Act
    const report = await runCliCaptured(
      ['report', '--as-of', asOf, '--out', join(dir, 'report'), '--config', 'burnwatch.config.example.json'],
      { env },
    );

    // Assess
    expect(report.code).toBe(0);
    const file = join(dir, 'report', 'index.html');
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<script|<link |src="http/);
    expect(html).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/); // human dates, no raw ISO timestamps
    await expectReadable(file, [
      'Payments',
      'Search',
      'Mobile',
      'Platform',
      'Data Science',
      'Web',
      'Security',
      'Growth',
      'Unallocated',
    ]);
  });

  it('renders a store filled by ingest from the vendor test servers', async () => {
    // Prepare: OpenAI's wire-format server, two teams by project, one unmatched project.
    const server = await startOpenAiServer({
      key: 'sk-admin-report',
      rows: () =>
        eachDay('2026-01-01', '2026-03-31').flatMap((day, i) => [
          { day, project: 'proj_pay', lineItem: 'gpt-5, input', usd: 40 + i },
          { day, project: 'proj_search', lineItem: 'gpt-5-mini, output', usd: 12.5 },
          { day, project: 'proj_hack', lineItem: 'gpt-5, input', usd: 3 },
        ]),
    });
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-report-'));
    const config = join(dir, 'burnwatch.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        organization: { name: 'Ingested Co' },
        fiscalYear: { startMonth: 1, startDay: 1 },
        teams: [
          { id: 'payments', name: 'Payments', annualBudgetUsd: 20_000 },
          { id: 'search', name: 'Search Relevance', annualBudgetUsd: 8_000 },
        ],
        sources: [
          {
            id: 'openai',
            type: 'openai',
            secretName: 'burnwatch/openai-admin-key',
            baseUrl: server.baseUrl,
            attribution: [
              { match: { project: 'proj_pay' }, team: 'payments' },
              { match: { project: 'proj_search' }, team: 'search' },
            ],
          },
        ],
        finance: { slackChannel: '#finance' },
      }),
    );
    const env = {
      BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint,
      BURNWATCH_TABLE: 'report-ingest',
      BURNWATCH_SECRET_BURNWATCH_OPENAI_ADMIN_KEY: 'sk-admin-report',
    };
    try {
      const ingest = await runCliCaptured(
        ['ingest', '--config', config, '--from', '2026-01-01', '--to', '2026-03-31'],
        {
          env,
          cwd: dir,
        },
      );
      expect(ingest.code).toBe(0);

      // Act
      const report = await runCliCaptured(['report', '--as-of', '2026-03-31', '--config', config], {
        env,
        cwd: dir,
      });

      // Assess
      expect(report.code).toBe(0);
      const file = join(dir, 'burnwatch-report', 'index.html');
      await expectReadable(file, ['Payments', 'Search Relevance', 'Unallocated', 'Ingested Co']);
      expect(readFileSync(file, 'utf8')).toContain('project=proj_hack');
    } finally {
      await server.close();
    }
  });
});
