import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import type { DatabaseHandle } from '../src/db/database.js';
import { DEMO, loadDemo } from '../src/demo/dataset.js';
import { createServices } from '../src/services.js';
import { openMigrated } from './helpers/databases.js';

/**
 * The docs page, end to end: Debian's Chromium (headless, driven by playwright-core) opens
 * /docs on a live demo server, finds the loyalty card operations, authorizes with the demo
 * tokens and runs "Try it out" on cards-by-phone. Without /usr/bin/chromium the test is skipped,
 * except under CI=true, where it must run (`.ci/run` installs Chromium).
 */
const CHROMIUM = '/usr/bin/chromium';
const runnable = existsSync(CHROMIUM) || process.env.CI === 'true';

const LOYALTY_CARD_OPERATIONS = [
  'get_loyalty_card_list_by_client_id',
  'get_loyalty_card_list_by_phone',
  'get_user_loyalty_cards',
  'get_loyalty_card_type_list',
  'get_loyalty_card_type_list_for_client',
  'get_chain_loyalty_card_type_list',
  'issue_loyalty_card',
  'remove_loyalty_card',
  'create_loyalty_card_transaction',
  'create_chain_loyalty_card_transaction',
];

describe.skipIf(!runnable)('docs page in headless Chromium', () => {
  let app: FastifyInstance;
  let database: DatabaseHandle;
  let dir: string;
  let base: string;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'loyalty-docs-e2e-'));
    database = await openMigrated(`file:${join(dir, 'demo.sqlite')}`);
    await loadDemo(database);
    app = await buildApp({
      services: createServices(database),
      config: { bodyLimit: 65536, logLevel: 'silent' },
      logger: false,
    });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage();
    page.on('request', (request) => requested.push(request.url()));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the loyalty card operations', async () => {
    await page.goto(`${base}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
    await expect(page.locator('.info .title').innerText()).resolves.toContain('Altegio loyalty API');
    for (const operationId of LOYALTY_CARD_OPERATIONS) {
      await expect(
        page.locator(`[id$="-${operationId}"].opblock`).count(),
        `${operationId} on the page`,
      ).resolves.toBe(1);
    }
    await expect(page.locator('.opblock-tag', { hasText: 'Loyalty Cards' }).count()).resolves.toBeGreaterThan(
      0,
    );
  });

  it('runs "Try it out" on cards-by-phone with the demo tokens and shows the demo card', async () => {
    await page.locator('.auth-wrapper .authorize').click();
    const scheme = page.locator('.auth-container', { hasText: 'BearerPartnerUser' });
    await scheme.locator('input').fill(`Bearer ${DEMO.partnerToken}, User ${DEMO.userToken}`);
    await scheme.locator('button.authorize').click();
    await scheme.getByText('Authorized', { exact: true }).waitFor();
    await scheme.locator('button.btn-done').click();

    const operation = page.locator('[id$="-get_loyalty_card_list_by_phone"].opblock');
    await operation.locator('.opblock-summary').first().click();
    await operation.locator('.try-out__btn').click();
    const values: Record<string, string> = {
      phone: DEMO.phone,
      chain_id: String(DEMO.chainId),
      location_id: String(DEMO.locationId),
    };
    for (const [name, value] of Object.entries(values)) {
      await operation.locator(`tr[data-param-name="${name}"] input`).fill(value);
    }
    await operation.locator('button.execute').click();

    const live = operation.locator('.live-responses-table');
    await live.locator('tbody .response-col_status', { hasText: '200' }).waitFor({ timeout: 20_000 });
    const body = await live.locator('tbody .response-col_description .highlight-code').first().innerText();
    expect(body).toContain('"success": true');
    expect(body).toContain('"number": "14507109210520"');
    expect(body).toContain(`"id": ${DEMO.cardId}`);
    const curl = await operation.locator('.curl-command').innerText();
    expect(curl).toContain(`Authorization: Bearer ${DEMO.partnerToken}, User ${DEMO.userToken}`);
    expect(curl).toContain(`/api/v1/loyalty/cards/${DEMO.phone}/${DEMO.chainId}/${DEMO.locationId}`);
  });

  it('loads nothing from the internet', () => {
    const origin = new URL(base).origin;
    const foreign = requested.filter((url) => !url.startsWith(origin) && !/^(data|blob):/.test(url));
    expect(requested.length).toBeGreaterThan(3);
    expect(foreign).toEqual([]);
  });
});
