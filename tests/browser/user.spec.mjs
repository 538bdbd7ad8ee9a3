// A new user signs up, enrols by typing the password with one CMU subject's real rhythm and a
// few free-text sentences with one Aalto participant's, logs in with the same rhythm (allowed)
// and sees live scores arrive on the session page. Leaves the account in `ctx.shared.user`.

import assert from 'node:assert/strict';
import { CMU_PASSWORD, aaltoSentences, cmuRhythms, enter, replay } from './data.mjs';

/** The account holder: CMU subject s002 (password), Aalto participant 187 (free text). */
export const GENUINE = { cmu: 's002', aalto: 187 };
/** CMU repetitions skipped: the first sessions are the subjects still learning the password. */
const SETTLED_REPETITION = 100;
/** Login attempts a person gets here: a typing that misses asks for another (step-up prompt). */
export const LOGIN_ATTEMPTS = 3;
/** Free-text sentences typed on the live page before scores must have arrived. */
const LIVE_SENTENCES = 6;

export default async function userSpec(ctx) {
  const password = cmuRhythms(ctx.dataDir, GENUINE.cmu).slice(SETTLED_REPETITION);
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
  const sentence = await enrolFreeText(page, sentences);
  await ctx.screenshot(page, 'signup-done');
  await page.context().close();

  // Log in with the same rhythm (a repetition the profile has not seen): allowed.
  const login = await ctx.newPage('login');
  const rhythms = password.slice(attempt);
  const outcome = await logInAsOwner(ctx, login, username, rhythms);
  assert.ok(outcome.biometric, 'the login was checked against a trained password profile');
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

  ctx.shared.user = { username, password: CMU_PASSWORD, loginRhythms: rhythms.slice(LOGIN_ATTEMPTS) };
}

/**
 * The owner logs in on `page` with their own rhythms, retrying (as the page asks) when the
 * typing misses, up to LOGIN_ATTEMPTS times; fails unless one attempt is allowed.
 */
/**
 * The wizard's free-text step: types one sentence per entry until the step is done, then
 * waits until the profile is ready. Returns how many sentences it typed.
 */
export async function enrolFreeText(page, sentences) {
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
  return sentence;
}

export async function logInAsOwner(ctx, page, username, rhythms) {
  const outcomes = [];
  for (let attempt = 0; attempt < LOGIN_ATTEMPTS; attempt += 1) {
    const outcome = attempt === 0
      ? await logIn(ctx, page, username, rhythms[attempt])
      : await typePasswordAgain(page, rhythms[attempt]);
    outcomes.push(outcome);
    const biometric = outcome.biometric || {};
    console.log(`  owner's login attempt ${attempt + 1}: typing score ${biometric.score?.toFixed(3)} (threshold ${biometric.threshold?.toFixed(3)}), ${outcome.step_up_required ? `step-up (${outcome.step_up_reason})` : 'allowed'}`);
    if (!outcome.step_up_required) return outcome;
    assert.ok(await page.locator('#step-up').isVisible(), 'the login page shows the step-up prompt');
    await ctx.screenshot(page, 'login-step-up');
  }
  assert.fail(`the owner's rhythm was refused ${LOGIN_ATTEMPTS} times: ${JSON.stringify(outcomes)}`);
}

/** On the login page after a step-up prompt: type the password again and submit. */
async function typePasswordAgain(page, rhythm) {
  await page.getByLabel('Password').focus();
  await replay(page, rhythm);
  return submitLogin(page);
}

/**
 * Presses Enter on the login form; resolves to the login's answer: the JSON of a step-up
 * answer, or on success (the page has gone on to /session) what the page kept of it.
 */
async function submitLogin(page) {
  const answered = page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/login'));
  await enter(page);
  const response = await answered;
  if (response.status() !== 200) return { status: response.status(), body: await response.text() };
  await Promise.race([
    page.waitForURL('**/session'),
    page.locator('#step-up').waitFor({ state: 'visible' }),
  ]);
  if (new URL(page.url()).pathname === '/session') {
    const biometric = await page.evaluate(() => JSON.parse(sessionStorage.getItem('behavioral-auth.login')));
    return { step_up_required: false, biometric };
  }
  return response.json();
}

/** Logs in on `page` typing the password with `rhythm`; resolves to the login's JSON answer. */
export async function logIn(ctx, page, username, rhythm) {
  await page.goto(`${ctx.baseUrl}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').focus();
  await replay(page, rhythm);
  return submitLogin(page);
}
