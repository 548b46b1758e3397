/**
 * The demo in a real browser: Debian's Chromium, headless, driven by playwright-core. Logs in, reloads, checks the
 * cookie the browser stored, fills the cart to the limit, logs out. Screenshots go to `spec/demo/screenshots/`
 * (git-ignored).
 */
import { expect } from 'chai';
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createDemoApp } from '../../demo/app';
import { SECRET } from '../support/app';
import { describeWhen } from '../support/redis';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(__dirname, 'screenshots');
/** Flags for a closed network: no background connections, no first-run work. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

describeWhen(
  existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM}`,
  'the demo in headless Chromium',
  () => {
    let server: Server;
    let browser: Browser;
    let page: Page;
    let url: string;

    before(async function () {
      this.timeout(60_000);
      mkdirSync(SCREENSHOTS, { recursive: true });
      server = createDemoApp(SECRET).listen(0, '127.0.0.1');
      await new Promise(resolve => server.once('listening', resolve));
      url = `http://localhost:${(server.address() as AddressInfo).port}/`;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
      page = await browser.newPage();
    });

    after(async () => {
      await browser?.close();
      await new Promise(resolve => server?.close(resolve));
    });

    const text = (selector: string) => page.locator(selector).innerText();
    /** Waits until `selector` shows `words`. */
    const until = (selector: string, words: string) => page.locator(selector, { hasText: words }).waitFor();
    const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

    it('logs in, and the session survives a reload', async function () {
      this.timeout(30_000);
      await page.goto(url);
      await until('#who', 'Visits');
      expect(await text('#who')).to.equal('Not logged in. Visits: 1.');
      expect(await text('#store')).to.equal('a signed cookie');
      await page.fill('#login input[name=name]', 'Ada');
      await page.click('#login button');
      await until('#who', 'Logged in');
      await page.reload();
      await until('#who', 'Logged in');
      expect(await text('#who')).to.equal('Logged in as Ada. Visits: 3.');
      expect(await text('#lifetime')).to.match(/^This session began .+ and ends .+, in 336 hours\.$/);
      await shot('logged-in');
    });

    it('stores the cookie HttpOnly, SameSite=Lax, for the session lifetime, not Secure over http', async () => {
      const cookies = await page.context().cookies();
      expect(cookies).to.have.length(1);
      const [cookie] = cookies;
      expect(cookie).to.include({ name: 'session', httpOnly: true, sameSite: 'Lax', secure: false, path: '/' });
      const days = (cookie.expires - Date.now() / 1000) / 86400;
      expect(days).to.be.within(13.9, 14);
    });

    it('fills the cart to its limit, and says so without losing it', async function () {
      this.timeout(60_000);
      for (let i = 1; i <= 21; i++) {
        await page.fill('#add input[name=item]', `item ${i}`);
        await page.click('#add button');
        if (i <= 20)
          await page
            .locator('#items li')
            .nth(i - 1)
            .waitFor();
      }
      await until('#error', 'full');
      expect(await text('#error')).to.equal('The cart is full: it holds at most 20 items');
      expect(await page.locator('#items li').count()).to.equal(20);
      await shot('cart-full');
    });

    it('logs out: the data and the cookie are gone', async function () {
      this.timeout(30_000);
      await page.click('#logout');
      await until('#who', 'Not logged in');
      expect(await page.locator('#items li').count()).to.equal(0);
      // The page's refresh starts a new anonymous session (its visit counter); none of Ada's data is in it.
      const [cookie] = await page.context().cookies();
      expect(cookie?.value ?? '').to.not.include('Ada');
      await shot('logged-out');
    });
  },
  'install Debian chromium (apt-get install chromium) or set CHROMIUM_PATH',
);
