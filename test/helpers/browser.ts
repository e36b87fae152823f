import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium (CI installs it with apt); browser tests skip without it. */
export const CHROMIUM = process.env.AGATE_CHROMIUM ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found: install chromium (apt-get install chromium) or set AGATE_CHROMIUM; browser tests skipped`;
}

/** Launches headless chromium with nothing that reaches the network on its own. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Whether this run writes screenshots (docs/console/*.png): only with AGATE_SCREENSHOTS=1, so tests leave the tree clean. */
export const SCREENSHOTS = process.env.AGATE_SCREENSHOTS === '1';

/** Saves a full-page screenshot as docs/console/<name>.png when {@link SCREENSHOTS} is on. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  const dir = join(import.meta.dirname, '..', '..', 'docs', 'console');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** Opens the console at `adminUrl` and signs in with `token`; resolves on the Overview page. */
export async function signIn(page: Page, at: { adminUrl: string; token: string }): Promise<void> {
  await page.goto(`${at.adminUrl}/console/`);
  await page.getByLabel('Admin token').fill(at.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
}
