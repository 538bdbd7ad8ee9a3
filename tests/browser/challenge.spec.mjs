// Someone else takes over the keyboard of a logged-in session: another Aalto participant's
// free-text rhythm on the live page draws the challenge dialog; the step-up typed with another
// CMU subject's rhythm fails; the session ends and (with the test server's
// lockout.max_failures = 1) the account is locked. Leaves `ctx.shared.lockedUser`.

import assert from 'node:assert/strict';
import { aaltoSentences, cmuRhythms, enter, replay } from './data.mjs';
import { logInAsOwner } from './user.spec.mjs';

/** The impostor: CMU subject s036, Aalto participant 275 (both far from the account holder). */
export const IMPOSTOR = { cmu: 's036', aalto: 275 };
/** Sentences the impostor types before the challenge must have come. */
const MAX_SENTENCES = 12;

export default async function challengeSpec(ctx) {
  const user = ctx.shared.user;
  assert.ok(user, 'user.spec.mjs left no account');
  const impostorText = aaltoSentences(ctx.dataDir, IMPOSTOR.aalto);
  const impostorPassword = cmuRhythms(ctx.dataDir, IMPOSTOR.cmu);

  // The owner logs in; the live session is open. Every server frame is kept for the report.
  const page = await ctx.newPage('challenge');
  const frames = [];
  page.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => {
    try {
      const frame = JSON.parse(payload);
      frames.push(frame.type === 'score' ? `${frame.decision} ${frame.score.toFixed(2)}` : `${frame.type} ${frame.code || frame.reason || ''}`);
    } catch {
      frames.push(String(payload).slice(0, 40));
    }
  }));
  await logInAsOwner(ctx, page, user.username, user.loginRhythms);
  await page.waitForURL(`${ctx.baseUrl}/session`);
  await page.locator('#connection').getByText('open').waitFor();

  // The impostor types until the server challenges.
  const dialog = page.locator('dialog#challenge');
  let challenged = false;
  dialog.waitFor({ state: 'visible', timeout: 0 }).then(() => { challenged = true; }, () => {});
  let typed = 0;
  while (!(await dialog.isVisible())) {
    if (typed >= MAX_SENTENCES) {
      await ctx.screenshot(page, 'challenge-failed');
      assert.fail(`no challenge after ${typed} impostor sentences; frames: ${frames.join(', ')}`);
    }
    const message = await page.locator('#message').textContent();
    if (/ended/.test(message)) {
      await ctx.screenshot(page, 'challenge-failed');
      assert.fail(`the session ended before any challenge: ${message}`);
    }
    await page.locator('#notes').focus();
    const finished = await replay(page, impostorText[typed % impostorText.length], { stop: () => challenged });
    if (finished && !challenged) await enter(page);
    typed += 1;
    await page.waitForTimeout(300);
  }
  console.log(`  challenge after ${typed} impostor sentence(s); frames: ${frames.join(', ')}`);
  assert.match(await page.locator('#challenge-reason').textContent(), /consecutive scores/);
  await ctx.screenshot(page, 'challenge-dialog');

  // The impostor knows the password but types it in their own rhythm: the step-up fails.
  await page.locator('#challenge-password').focus();
  const stepUp = page.waitForResponse((response) => /\/api\/v1\/sessions\/[^/]+\/step-up$/.test(response.url()));
  await replay(page, impostorPassword[0]);
  await enter(page);
  const answer = await stepUp;
  assert.equal(answer.status(), 403, `step-up: ${answer.status()} ${await answer.text()}`);
  assert.equal((await answer.json()).code, 'step_up_failed');
  console.log('  step-up with the impostor\'s rhythm: refused (step_up_failed)');

  // The session ends, said plainly.
  await page.waitForFunction(() => /Your session has ended/.test(document.getElementById('message').textContent), null, { timeout: 15_000 });
  assert.ok(!(await dialog.isVisible()), 'the dialog closes when the session ends');
  assert.ok(await page.locator('#notes').isDisabled());
  await ctx.screenshot(page, 'session-ended');
  await page.context().close();

  // The account is locked (an admin sees it so through the admin API).
  const adminLogin = await fetch(`${ctx.baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ctx.admin),
  });
  const { access_token: adminToken } = await adminLogin.json();
  const users = await fetch(`${ctx.baseUrl}/api/v1/admin/users?limit=100`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  const account = (await users.json()).items.find((item) => item.username === user.username);
  assert.ok(account && account.locked, `the account is locked: ${JSON.stringify(account)}`);
  ctx.shared.lockedUser = user.username;
}
