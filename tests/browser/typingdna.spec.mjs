// TypingDNA on (a server of its own, pattern type `diagram`, against the stand-in of
// TypingDNA's API that main.rs starts): the pages load TypingDNA's vendored recorder, every
// password sample (enrolment and login) carries a diagram pattern of what was typed, free-text
// samples carry none (a diagram compares one text), and the server passes them on (main.rs
// checks the stand-in received the saves and the verifications). Then another person types
// on the live page until the challenge; the owner's step-up typing carries a pattern too.

import assert from 'node:assert/strict';
import { CMU_PASSWORD, aaltoSentences, cmuRhythms, enter, replay } from './data.mjs';
import { GENUINE, LOGIN_ATTEMPTS, enrolFreeText } from './user.spec.mjs';
import { IMPOSTOR } from './challenge.spec.mjs';

/** Sentences the impostor types before the challenge must have come. */
const MAX_IMPOSTOR_SENTENCES = 12;
/** CMU repetitions skipped: the first sessions are the subject still learning the password. */
const SETTLED_REPETITION = 100;
/** A diagram (same-text) pattern of TypingDNA's recorder: `|`-separated blocks of numbers. */
const DIAGRAM = /^-?[\d.]+(,-?[\d.]+)*(\|-?[\d.]+(,-?[\d.]+)*)+$/;

/** Waits until the page's TypingDNA recorder is loaded and recording. */
async function recorderReady(page) {
  await page.waitForFunction(() => typeof window.TypingDNA === 'function' && window.TypingDNA.initialized === true);
}

export default async function typingDnaSpec(ctx) {
  const config = await (await fetch(`${ctx.baseUrl}/api/v1/biometrics/config`)).json();
  assert.deepEqual(config, { typingdna: { enabled: true, pattern_type: 'diagram' } });

  const password = cmuRhythms(ctx.dataDir, GENUINE.cmu).slice(SETTLED_REPETITION);
  const sentences = aaltoSentences(ctx.dataDir, GENUINE.aalto);
  const username = `tdna-${Date.now().toString(36)}`;

  // Sign up and enrol, as user.spec does, once the recorder is there.
  const page = await ctx.newPage('signup (typingdna)');
  await page.goto(`${ctx.baseUrl}/signup`);
  await recorderReady(page);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(CMU_PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#step-password').waitFor({ state: 'visible' });
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
  await enrolFreeText(page, sentences);
  await ctx.screenshot(page, 'typingdna-signup-done');
  await page.context().close();

  const enrolments = ctx.typingDna.samples.filter((sample) => sample.path === '/api/v1/biometrics/enrollments');
  const passwordSamples = enrolments.filter((sample) => sample.textId === 'password');
  const freeText = enrolments.filter((sample) => sample.textId == null);
  assert.equal(passwordSamples.length, attempt, 'every password attempt was sent');
  for (const sample of passwordSamples) {
    assert.match(sample.pattern || '', DIAGRAM, `a password enrolment's pattern: ${sample.pattern}`);
  }
  assert.ok(freeText.length > 0, 'free-text samples were sent');
  assert.ok(freeText.every((sample) => sample.pattern === undefined), 'a free-text sample carried a diagram pattern');

  // Log in with the same rhythm: the login's typing carries a diagram pattern too.
  const login = await ctx.newPage('login (typingdna)');
  const rhythms = password.slice(attempt);
  let allowed = false;
  for (let tries = 0; tries < LOGIN_ATTEMPTS && !allowed; tries += 1) {
    await login.goto(`${ctx.baseUrl}/login`);
    await recorderReady(login);
    await login.getByLabel('Username').fill(username);
    await login.getByLabel('Password').focus();
    await replay(login, rhythms[tries]);
    const answered = login.waitForResponse((response) => response.url().endsWith('/api/v1/auth/login'));
    await enter(login);
    const response = await answered;
    const typing = response.request().postDataJSON().typing;
    assert.match(typing.typingdna_pattern || '', DIAGRAM, `the login's pattern: ${typing.typingdna_pattern}`);
    assert.equal(response.status(), 200, 'the password was right');
    // An allowed login goes on to /session at once (its answer body is gone with the page).
    await Promise.race([
      login.waitForURL('**/session'),
      login.locator('#step-up').waitFor({ state: 'visible' }),
    ]);
    allowed = new URL(login.url()).pathname === '/session';
    console.log(`  login attempt ${tries + 1} with a TypingDNA pattern: ${allowed ? 'allowed' : 'step-up'}`);
  }
  assert.ok(allowed, `the owner was not let in within ${LOGIN_ATTEMPTS} attempts`);
  await login.waitForURL(`${ctx.baseUrl}/session`);
  await login.locator('#connection').getByText('open').waitFor();
  await recorderReady(login);
  await ctx.screenshot(login, 'typingdna-session');

  // Someone else types on the live page until the challenge; the owner answers it.
  const impostorText = aaltoSentences(ctx.dataDir, IMPOSTOR.aalto);
  const dialog = login.locator('dialog#challenge');
  let challenged = false;
  dialog.waitFor({ state: 'visible', timeout: 0 }).then(() => { challenged = true; }, () => {});
  for (let typed = 0; !(await dialog.isVisible()); typed += 1) {
    assert.ok(typed < MAX_IMPOSTOR_SENTENCES, `no challenge after ${typed} impostor sentences`);
    assert.doesNotMatch(await login.locator('#message').textContent(), /ended/);
    await login.locator('#notes').focus();
    const finished = await replay(login, impostorText[typed % impostorText.length], { stop: () => challenged });
    if (finished && !challenged) await enter(login);
    await login.waitForTimeout(300);
  }
  await login.locator('#challenge-password').focus();
  const stepUp = login.waitForResponse((response) => /\/api\/v1\/sessions\/[^/]+\/step-up$/.test(response.url()));
  await replay(login, rhythms[LOGIN_ATTEMPTS]);
  await enter(login);
  const stepUpResponse = await stepUp;
  const stepUpTyping = stepUpResponse.request().postDataJSON().typing;
  assert.match(stepUpTyping.typingdna_pattern || '', DIAGRAM, `the step-up's pattern: ${stepUpTyping.typingdna_pattern}`);
  console.log(`  step-up with a TypingDNA pattern: HTTP ${stepUpResponse.status()}`);
  await login.context().close();

  assert.ok(ctx.typingDna.scriptRequests.length >= 2, `typingdna.js requests: ${ctx.typingDna.scriptRequests}`);
  console.log(`  typingdna on: ${ctx.typingDna.samples.length} sample(s) sent, ${ctx.typingDna.samples.filter((s) => s.pattern).length} with a diagram pattern`);
}
