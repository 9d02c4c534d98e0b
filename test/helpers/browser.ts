import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium; `.ci/run` installs it, and Playwright never downloads a browser here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether browser tests can run. Without Chromium they are skipped with a visible notice,
 * except in CI, where a missing browser is a failure rather than a silent skip.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`Chromium not found at ${CHROMIUM}; .ci/run installs Debian's chromium package`);
  console.warn(`NOTICE: browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** In Swagger UI: opens an operation, presses "Try it out", fills what is given, executes, and returns status and body. */
export async function runOperation(page: Page, operation: string, fill: { body?: string; params?: Record<string, string> } = {}) {
  const block = page.locator(`#${operation}`);
  if (!(await block.locator('.opblock-body').isVisible())) await block.locator('.opblock-summary').first().click();
  const tryOut = block.getByRole('button', { name: 'Try it out' });
  if (await tryOut.count()) await tryOut.click();
  if (fill.body !== undefined) await block.locator('textarea.body-param__text').fill(fill.body);
  for (const [name, value] of Object.entries(fill.params ?? {})) {
    await block.locator(`tr[data-param-name="${name}"] input`).fill(value);
  }
  const clear = block.getByRole('button', { name: 'Clear' });
  if (await clear.count()) await clear.click();
  await block.locator('button.execute').click();
  const row = block.locator('.live-responses-table tbody tr.response').first();
  await row.waitFor();
  const status = Number((await row.locator('td.response-col_status').textContent())?.trim());
  const text = (await row.locator('td.response-col_description pre.microlight').first().textContent()) ?? '';
  return { status, body: text ? JSON.parse(text) : undefined };
}
