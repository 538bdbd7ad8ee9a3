// Runs the browser specs against a running server (started by `cargo test --test browser`,
// see main.rs). Environment: BASE_URL, ADMIN_USERNAME, ADMIN_PASSWORD, ARTIFACTS_DIR,
// DATA_DIR, and TYPINGDNA=on when the server has its TypingDNA detector on (main.rs starts a
// second server for that, against a stand-in of TypingDNA's API). Launches Debian's Chromium
// through playwright-core, then runs the spec modules in a fixed order; each `export default
// async function (ctx)`. A spec fails by throwing; the run also fails when any page logged a
// console error, threw, or requested another host — and, with TypingDNA off, when a page
// requested TypingDNA's recorder or sent a sample with a `typingdna_pattern`.

import { existsSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
/** Whether the server under test has TypingDNA on (a server of its own, see main.rs). */
const typingDnaOn = process.env.TYPINGDNA === 'on';
/** The specs, in order: later ones use what earlier ones left in `ctx.shared`. */
const ALL_SPECS = typingDnaOn
  ? ['typingdna.spec.mjs']
  : ['user.spec.mjs', 'challenge.spec.mjs', 'admin.spec.mjs', 'pages.spec.mjs'];
/** `SPECS=user,challenge` runs only those (while working on them). */
const SPECS = process.env.SPECS
  ? ALL_SPECS.filter((file) => process.env.SPECS.split(',').includes(file.replace('.spec.mjs', '')))
  : ALL_SPECS;
/** Viewports of the screenshots `ctx.screenshot` takes. */
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through cargo test --test browser)`);
  return value;
};

const baseUrl = env('BASE_URL');
const artifacts = env('ARTIFACTS_DIR');
mkdirSync(artifacts, { recursive: true });
const allowedHost = new URL(baseUrl).hostname; // 127.0.0.1

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
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

/** Everything that makes the run fail besides a thrown spec. */
const problems = [];

/** The paths of requests that carry a biometric sample (enrolment, login, step-up). */
const SAMPLE_PATHS = [/^\/api\/v1\/biometrics\/enrollments$/, /^\/api\/v1\/auth\/login$/, /^\/api\/v1\/sessions\/[^/]+\/step-up$/];
/** The samples the pages sent, where, and the TypingDNA pattern each carried (if any). */
const typingDna = { scriptRequests: [], samples: [] };

/** The samples in a request body: an enrolment is one, a login or step-up carries `typing`. */
function samplesOf(body) {
  if (!body || typeof body !== 'object') return [];
  if (Array.isArray(body.events)) return [body];
  return body.typing && typeof body.typing === 'object' ? [body.typing] : [];
}

/** Notes the TypingDNA recorder's script and every sample a page sends (see `typingDna`). */
function watchTypingDna(label, request) {
  const url = new URL(request.url());
  if (url.pathname === '/static/vendor/typingdna.js') typingDna.scriptRequests.push(label);
  if (request.method() !== 'POST' || !SAMPLE_PATHS.some((path) => path.test(url.pathname))) return;
  let body = null;
  try {
    body = request.postDataJSON();
  } catch {
    return;
  }
  for (const sample of samplesOf(body)) {
    typingDna.samples.push({ label, path: url.pathname, textId: sample.text_id, pattern: sample.typingdna_pattern });
  }
}

/**
 * Opens a page in a fresh context that records console errors, uncaught exceptions and every
 * request to a host other than the server's. `options` go to `browser.newContext`
 * (viewport, isMobile, hasTouch, ...). `label` names the page in the report.
 */
async function newPage(label, options = {}) {
  const context = await browser.newContext({ viewport: DESKTOP, ...options });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // Chromium logs every 4xx answer as an error; an API refusal the page shows (a failed
    // step-up, a locked account) is behaviour under test, a missing script or style is not.
    const apiAnswer = /^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())
      && new URL(message.location().url || baseUrl).pathname.startsWith('/api/');
    if (!apiAnswer) problems.push(`${label}: console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${label}: uncaught: ${error.message}`));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (['data:', 'blob:', 'about:'].includes(url.protocol)) return;
    if (url.hostname !== allowedHost) problems.push(`${label}: request to another host: ${request.url()}`);
    watchTypingDna(label, request);
  });
  page.on('requestfailed', (request) => {
    const failure = request.failure();
    // A navigation away aborts what was in flight; that is not the page's fault.
    if (failure && failure.errorText !== 'net::ERR_ABORTED') {
      problems.push(`${label}: request failed: ${request.url()} (${failure.errorText})`);
    }
  });
  return page;
}

/** Saves a full-page screenshot as `<artifacts>/<name>.png`. */
async function screenshot(page, name) {
  const path = join(artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

const ctx = {
  browser,
  baseUrl,
  admin: { username: env('ADMIN_USERNAME'), password: env('ADMIN_PASSWORD') },
  artifacts,
  dataDir: env('DATA_DIR'),
  shared: {},
  typingDna,
  newPage,
  screenshot,
  viewports: { PHONE, DESKTOP },
};

let failed = 0;
for (const name of SPECS) {
  const file = join(here, name);
  if (!existsSync(file)) {
    console.log(`- ${name}: skipped (not present)`);
    continue;
  }
  const before = problems.length;
  const started = Date.now();
  try {
    const spec = await import(pathToFileURL(file).href);
    await spec.default(ctx);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (problems.length > before) {
      failed += 1;
      console.log(`✗ ${name} (${seconds} s): ${problems.length - before} page problem(s)`);
    } else {
      console.log(`✓ ${name} (${seconds} s)`);
    }
  } catch (error) {
    failed += 1;
    console.log(`✗ ${name}: ${error && error.stack ? error.stack : error}`);
  }
}
if (!typingDnaOn && SPECS.length) {
  // TypingDNA off: its recorder is never loaded and no sample carries a pattern.
  const withPattern = typingDna.samples.filter((sample) => sample.pattern !== undefined);
  console.log(`typingdna off: ${typingDna.samples.length} sample(s) sent, ${withPattern.length} with a pattern, typingdna.js requested ${typingDna.scriptRequests.length} time(s)`);
  for (const sample of withPattern) problems.push(`${sample.label}: a sample to ${sample.path} carried a typingdna_pattern with TypingDNA off`);
  for (const label of typingDna.scriptRequests) problems.push(`${label}: requested typingdna.js with TypingDNA off`);
  if (withPattern.length || typingDna.scriptRequests.length) failed += 1;
}
for (const problem of problems) console.log(`  problem: ${problem}`);
await browser.close();
console.log(failed ? `browser specs: ${failed} failed` : 'browser specs: all passed');
process.exit(failed ? 1 : 0);
