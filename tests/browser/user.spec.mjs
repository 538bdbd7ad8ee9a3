// A new user signs up, enrols by typing the password with one CMU subject's real rhythm and a
// few free-text sentences with one Aalto participant's, logs in with the same rhythm (allowed)
// and sees live scores arrive on the session page. Leaves the account in `ctx.shared.user`.

import assert from 'node:assert/strict';
import { CMU_PASSWORD, aaltoSentences, cmuRhythms, enter, replay } from './data.mjs';

/** The account holder: CMU subject s002 (password), Aalto participant 187 (free text). */
export const GENUINE = { cmu: 's002', aalto: 187 };
/** Free-text sentences typed on the live page before scores must have arrived. */
const LIVE_SENTENCES = 6;

export default async function userSpec(ctx) {
  const password = cmuRhythms(ctx.dataDir, GENUINE.cmu);
  const sentences = aaltoSentences(ctx.dataDir, GENUINE.aalto);
  const username = `typist-${Date.now().toString(36)}`;

  // Sign up.
  const page = await ctx.newPage('signup');
  await page.goto(`${ctx.baseUrl}/signup`);
  await ctx.screenshot(page, 'signup-desktop');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(CMU_PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#step-password').waitFor({ state: 'visible' });

  // The password, typed until the wizard has enough attempts ("n of m" after each).
  let attempt = 0;
  while (await page.locator('#step-password').isVisible()) {
    assert.ok(attempt < 12, 'the password step never completed');
    const before = await page.locator('#password-attempts li').count();
    await page.locator('#password-typing').focus();
    await replay(page, password[attempt]);
    await enter(page);
    await page.waitForFunction((n) => document.querySelectorAll('#password-attempts li').length > n, before);
    attempt += 1;
  }
  const attempts = await page.locator('#password-attempts li').allTextContents();
  assert.ok(attempts.every((text) => text.startsWith('Accepted')), `attempts: ${attempts.join(' | ')}`);
  assert.match(await page.locator('#password-progress-label').textContent(), /^(\d+) of \1$/);
  await ctx.screenshot(page, 'signup-free-text');

  // Free text, one sentence per entry.
  let sentence = 0;
  while (await page.locator('#step-text').isVisible()) {
    assert.ok(sentence < 10, 'the free-text step never completed');
    const label = await page.locator('#text-progress-label').textContent();
    await page.locator('#text-typing').focus();
    await replay(page, sentences[sentence]);
    await enter(page);
    await page.waitForFunction(
      (old) => document.getElementById('text-progress-label').textContent !== old
        || !document.getElementById('step-text').checkVisibility()
        || /not accepted/.test(document.getElementById('message').textContent),
      label,
    );
    sentence += 1;
  }
  await page.waitForFunction(() => /is ready/.test(document.getElementById('profile-status').textContent), null, { timeout: 90_000 });
  await ctx.screenshot(page, 'signup-done');
  await page.context().close();

  // Log in with the same rhythm (a repetition the profile has not seen): allowed.
  const login = await ctx.newPage('login');
  const outcome = await logIn(ctx, login, username, password[attempt + 1]);
  assert.equal(outcome.step_up_required, false, `login: ${JSON.stringify(outcome)}`);
  assert.ok(outcome.biometric, 'the login was checked against a trained password profile');
  console.log(`  genuine login: typing score ${outcome.biometric.score.toFixed(3)} (threshold ${outcome.biometric.threshold.toFixed(3)}), ${outcome.biometric.decision}`);
  await login.waitForURL(`${ctx.baseUrl}/session`);

  // The live page: scores arrive while the owner types.
  await login.locator('#connection').getByText('open').waitFor();
  const live = sentences.slice(sentence, sentence + LIVE_SENTENCES);
  for (const presses of live) {
    await login.locator('#notes').focus();
    await replay(login, presses);
    await enter(login);
    if (Number(await login.locator('#score-count').textContent()) >= 2) break;
  }
  await login.waitForFunction(() => Number(document.getElementById('score-count').textContent) >= 1, null, { timeout: 15_000 });
  const scores = await login.locator('#score-count').textContent();
  const gauge = await login.locator('#gauge-value').textContent();
  const decision = await login.locator('#decision').textContent();
  console.log(`  live page: ${scores} score(s), last ${gauge} (${decision})`);
  assert.doesNotMatch(await login.locator('#message').textContent(), /ended/);
  await ctx.screenshot(login, 'session-desktop');
  await login.context().close();

  ctx.shared.user = { username, password: CMU_PASSWORD, loginRhythm: password[attempt + 2] };
}

/** Logs in on `page` typing the password with `rhythm`; resolves to the login's JSON answer. */
export async function logIn(ctx, page, username, rhythm) {
  await page.goto(`${ctx.baseUrl}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').focus();
  await replay(page, rhythm);
  const answer = page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/login'));
  await enter(page);
  return (await answer).json();
}
