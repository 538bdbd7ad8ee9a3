// The admin dashboard in Chromium: an admin signs in on /admin, sees the locked user (the one
// the user specs left in ctx.shared.lockedUser, or one locked here with wrong passwords),
// unlocks them, sees the four charts drawn with data, and ends a live session from the table.
// Screenshots: admin-dashboard-desktop, admin-dashboard-phone.

import assert from 'node:assert/strict';

const PASSWORD = 'correct horse battery staple';

/** JSON REST call from the test itself (arranging and checking, not what the page does). */
async function rest(ctx, method, path, { token, body } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${ctx.baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function tokenFor(ctx, username, password) {
  const { status, body } = await rest(ctx, 'POST', '/api/v1/auth/login', { body: { username, password } });
  assert.equal(status, 200, `login ${username}: ${JSON.stringify(body)}`);
  return body.access_token;
}

async function userRow(ctx, adminToken, username) {
  for (let cursor = null; ;) {
    const query = cursor ? `?limit=500&cursor=${encodeURIComponent(cursor)}` : '?limit=500';
    const { body } = await rest(ctx, 'GET', `/api/v1/admin/users${query}`, { token: adminToken });
    const row = body.items.find((user) => user.username === username);
    if (row || !body.next_cursor) return row;
    cursor = body.next_cursor;
  }
}

/** A fresh account locked by wrong passwords through the API (when no user spec left one). */
async function lockSomeone(ctx, adminToken) {
  const username = `locked-${Date.now().toString(36)}`;
  const created = await rest(ctx, 'POST', '/api/v1/auth/register', { body: { username, password: PASSWORD } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const { status } = await rest(ctx, 'POST', '/api/v1/auth/login', {
      body: { username, password: `wrong password ${attempt}` },
    });
    assert.ok([401, 429].includes(status), `wrong password answered ${status}`);
    if ((await userRow(ctx, adminToken, username)).locked) return username;
  }
  throw new Error(`${username} was never locked`);
}

/** A live session of a fresh user, its socket held open by a page of this origin. */
async function openLiveSession(ctx) {
  const username = `live-${Date.now().toString(36)}`;
  const created = await rest(ctx, 'POST', '/api/v1/auth/register', { body: { username, password: PASSWORD } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const token = await tokenFor(ctx, username, PASSWORD);
  const session = await rest(ctx, 'POST', '/api/v1/sessions', { token, body: {} });
  assert.equal(session.status, 201, JSON.stringify(session.body));
  const holder = await ctx.newPage('admin-session-holder');
  await holder.goto(`${ctx.baseUrl}/`);
  await holder.evaluate((url) => new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    window.adminTestSocket = { socket, frames: [], closed: null };
    socket.onmessage = (message) => window.adminTestSocket.frames.push(message.data);
    socket.onclose = (event) => { window.adminTestSocket.closed = event.code; };
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error('the WebSocket did not open'));
  }), session.body.ws_url);
  return { username, sessionId: session.body.session_id, holder };
}

/** Plotly drew data into the chart's SVG: bars taller than nothing, or a line with points. */
async function assertChartHasData(page, id) {
  await page.locator(`#${id} svg.main-svg`).first().waitFor();
  const marks = await page.evaluate((chartId) => {
    const chart = document.getElementById(chartId);
    const bars = [...chart.querySelectorAll('g.trace.bars g.point path')]
      .filter((path) => path.getBBox().height > 0.5).length;
    const points = chart.querySelectorAll('g.trace.scatter g.points path.point').length;
    return bars + points;
  }, id);
  assert.ok(marks > 0, `${id} has no drawn data`);
  return marks;
}

export default async function (ctx) {
  const adminToken = await tokenFor(ctx, ctx.admin.username, ctx.admin.password);
  const shared = ctx.shared.lockedUser;
  let locked = typeof shared === 'string' ? shared : shared && shared.username;
  if (!locked || !(await userRow(ctx, adminToken, locked))?.locked) {
    locked = await lockSomeone(ctx, adminToken);
  }
  const live = await openLiveSession(ctx);

  // Sign in.
  const page = await ctx.newPage('admin');
  await page.goto(`${ctx.baseUrl}/admin`);
  await page.getByLabel('Username').fill(ctx.admin.username);
  await page.getByLabel('Password').fill(ctx.admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#dashboard').waitFor();
  assert.ok(await page.evaluate(() => sessionStorage.getItem('behavioral-auth.admin-token')), 'token kept in sessionStorage');

  // The lockout is on the dashboard: the user's row says locked, the lockout chart has a bar.
  const row = page.locator(`#users tr[data-username="${locked}"]`);
  await row.locator('td.status', { hasText: /^locked/ }).waitFor();
  const lockoutMarks = await assertChartHasData(page, 'chart-lockouts');
  const loginMarks = await assertChartHasData(page, 'chart-logins');
  const sessionMarks = await assertChartHasData(page, 'chart-sessions');
  await page.locator('#chart-scores svg.main-svg').first().waitFor();
  const scoreTraces = await page.locator('#chart-scores g.trace.bars').count();
  assert.equal(scoreTraces, 3, 'genuine, impostor and unlabelled traces');
  const lockoutSummary = await page.locator('#chart-lockouts-summary').textContent();
  // The lock may come from wrong passwords (made here) or behaviour (the challenge spec).
  const counts = lockoutSummary.match(/^(\d+) lockouts after wrong passwords, (\d+) after behaviour/);
  assert.ok(counts && Number(counts[1]) + Number(counts[2]) >= 1, lockoutSummary);
  console.log(`  charts: ${loginMarks} login, ${lockoutMarks} lockout, ${sessionMarks} session marks; ${await page.locator('#chart-scores-summary').textContent()}`);
  await ctx.screenshot(page, 'admin-dashboard-desktop');

  // Unlock from the table (keyboard: focus the button, press Enter).
  const unlock = row.getByRole('button', { name: `Unlock ${locked}` });
  await unlock.focus();
  await page.keyboard.press('Enter');
  await page.locator('#message').getByText(`${locked} unlocked.`).waitFor();
  await row.locator('td.status', { hasText: /^active$/ }).waitFor();
  assert.equal((await userRow(ctx, adminToken, locked)).locked, false, 'the API agrees: unlocked');

  // End the live session from the table; its socket closes.
  const sessionRow = page.locator(`#sessions tr[data-session-id="${live.sessionId}"]`);
  await sessionRow.locator('td.status', { hasText: /^active$/ }).waitFor();
  await sessionRow.getByRole('button', { name: `End this session of ${live.username}` }).click();
  await page.locator('#message').getByText('Session ended.').waitFor();
  await sessionRow.locator('td.status', { hasText: 'ended (admin_ended)' }).waitFor();
  await live.holder.waitForFunction(() => window.adminTestSocket.closed !== null, null, { timeout: 10_000 });
  const frames = await live.holder.evaluate(() => window.adminTestSocket.frames);
  assert.ok(frames.some((frame) => frame.includes('admin_ended')), `ended frame: ${frames}`);
  await live.holder.context().close();

  // Its score history opens; events filter and the CSV export downloads.
  await page.locator('#event-type').selectOption('lockout');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.locator('#events tbody td', { hasText: 'lockout' }).first().waitFor();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('#export-events').click(),
  ]);
  assert.equal(download.suggestedFilename(), 'security-events.csv');
  await page.context().close();

  // On a phone: same dashboard, one column, nothing wider than the screen.
  const phone = await ctx.newPage('admin-phone', {
    viewport: ctx.viewports.PHONE, isMobile: true, hasTouch: true,
  });
  await phone.goto(`${ctx.baseUrl}/admin`);
  await phone.getByLabel('Username').fill(ctx.admin.username);
  await phone.getByLabel('Password').fill(ctx.admin.password);
  await phone.getByRole('button', { name: 'Sign in' }).tap();
  await phone.locator('#chart-logins svg.main-svg').first().waitFor();
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than the phone`);
  await ctx.screenshot(phone, 'admin-dashboard-phone');
  await phone.context().close();
}
