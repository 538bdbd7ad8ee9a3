// Every page on a desktop and a phone: loads without console errors or requests to another
// host (checked by the runner), every form field has a label, the keyboard reaches the first
// field, and a screenshot of each is kept as an artifact.

import assert from 'node:assert/strict';

const PAGES = [
  ['landing', '/'],
  ['signup', '/signup'],
  ['login', '/login'],
  ['session', '/session'],
  ['capture', '/capture'],
  ['admin', '/admin'],
];

export default async function pagesSpec(ctx) {
  const token = await adminToken(ctx);
  for (const [viewportName, options] of [
    ['desktop', { viewport: ctx.viewports.DESKTOP }],
    ['phone', { viewport: ctx.viewports.PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }],
  ]) {
    for (const [name, path] of PAGES) {
      const page = await ctx.newPage(`${name} (${viewportName})`, options);
      // The session and capture pages need a logged-in tab: the admin's token, as the login
      // page would store it.
      await page.addInitScript((value) => {
        sessionStorage.setItem('behavioral-auth.token', value);
        sessionStorage.setItem('behavioral-auth.username', 'browser-admin');
      }, token);
      const response = await page.goto(`${ctx.baseUrl}${path}`);
      if (name === 'admin' && response.status() === 404) {
        await page.context().close();
        continue; // the dashboard is not part of this build yet
      }
      assert.equal(response.status(), 200, `${path}`);
      // Not 'networkidle': the session page keeps a socket open and the dashboard polls.
      await page.waitForLoadState('load');
      await page.waitForTimeout(700);
      const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, textarea, select')]
        .filter((field) => field.type !== 'hidden' && !field.labels?.length && !field.getAttribute('aria-label') && !field.getAttribute('aria-labelledby'))
        .map((field) => field.id || field.name || field.outerHTML.slice(0, 60)));
      assert.deepEqual(unlabelled, [], `${path}: fields without a label`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `${path} (${viewportName}): ${overflow}px wider than the screen`);
      await ctx.screenshot(page, `${name}-${viewportName}`);
      await page.context().close();
    }
  }

  // Keyboard: Tab from the top of the login page reaches the username, then the password.
  const page = await ctx.newPage('login (keyboard)');
  await page.goto(`${ctx.baseUrl}/login`);
  const focused = [];
  for (let step = 0; step < 8 && focused.length < 3; step += 1) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement && document.activeElement.id);
    if (id && !focused.includes(id)) focused.push(id);
  }
  assert.deepEqual(focused.slice(0, 2), ['username', 'password'], `tab order: ${focused}`);
  await page.context().close();

  // The phone capture page streams touch: taps on the pad reach an open touch session.
  const phone = await ctx.newPage('capture (touch)', { viewport: ctx.viewports.PHONE, isMobile: true, hasTouch: true });
  await phone.goto(`${ctx.baseUrl}/capture#token=${encodeURIComponent(token)}`);
  assert.equal(new URL(phone.url()).hash, '', 'the token leaves the address bar');
  await phone.getByRole('button', { name: 'Start capturing' }).tap();
  await phone.locator('#touch-status').getByText('open').waitFor();
  const pad = await phone.locator('#pad').boundingBox();
  // Swipes as pointer strokes (Playwright's touchscreen only taps).
  for (let swipe = 0; swipe < 6; swipe += 1) {
    await phone.mouse.move(pad.x + 30, pad.y + 30 + swipe * 20);
    await phone.mouse.down();
    await phone.mouse.move(pad.x + 250, pad.y + 60 + swipe * 18, { steps: 12 });
    await phone.mouse.up();
    await phone.waitForTimeout(120);
  }
  await phone.getByRole('button', { name: /Add what I just did/ }).tap();
  await phone.locator('#message').getByText(/touch: 1 of \d+/).waitFor();
  await ctx.screenshot(phone, 'capture-phone-started');
  await phone.context().close();

  // The QR code on the session page encodes the capture page's address.
  const session = await ctx.newPage('session (qr)');
  await session.addInitScript((value) => sessionStorage.setItem('behavioral-auth.token', value), token);
  await session.goto(`${ctx.baseUrl}/session`);
  const qr = await session.locator('#qr').getAttribute('src');
  assert.match(qr || '', /^data:image\/gif;base64,/);
  assert.match(await session.locator('#capture-link').getAttribute('href'), /\/capture#token=/);
  await session.context().close();
}

/** A token of the test's admin (no typing profile, so the password alone logs in). */
async function adminToken(ctx) {
  const response = await fetch(`${ctx.baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ctx.admin),
  });
  const body = await response.json();
  assert.equal(response.status, 200, `admin login: ${JSON.stringify(body)}`);
  return body.access_token;
}
