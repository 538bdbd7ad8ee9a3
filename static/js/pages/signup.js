// Sign-up and the enrolment wizard: register, log in (no profile yet, so no typing), type the
// password N times (`POST /api/v1/biometrics/enrollments` with text_id "password"), then a few
// free-text sentences so live sessions have a profile to score against. When the server has
// TypingDNA on, each sample also carries TypingDNA's pattern of the field (see typingdna.js).

import { ApiError, call, login, remember } from '../api.js';
import { Recorder, deviceClass } from '../recorder.js';
import { typingDna, withPattern } from '../typingdna.js';
import { qualityText, say, showStep } from './common.js';

const SENTENCES = [
  'The quick brown fox jumps over the lazy dog.',
  'Pack my box with five dozen liquor jugs.',
  'A gentle breeze moved across the quiet harbour.',
  'She sells sea shells by the sea shore every summer.',
  'Typing the same way twice is harder than it sounds.',
  'We walked home slowly under a sky full of stars.',
  'Fresh bread and coffee make a good start to the day.',
];
/** Shortest free-text entry worth sending. */
const MIN_TEXT_CHARS = 20;

const $ = (id) => document.getElementById(id);
let password = '';
let textCount = 0;
/** TypingDNA's recorder on the two typing fields, or null (TypingDNA off, or not loaded yet). */
let tdna = null;
typingDna(['password-typing', 'text-typing']).then((recorder) => { tdna = recorder; });

$('account-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = $('username').value.trim();
  password = $('password').value;
  if (!name || password.length < 10) {
    say('Choose a username and a password of at least 10 characters.', 'bad');
    return;
  }
  try {
    await call('POST', '/api/v1/auth/register', { username: name, password }, { auth: false });
    const answer = await login(name, password, null);
    remember(answer.access_token, name);
  } catch (error) {
    say(error instanceof ApiError ? error.message : String(error), 'bad');
    return;
  }
  say('Account created. Now type your password a few times.', 'good');
  showStep('step-password');
  passwordRecorder.start();
});

const passwordField = $('password-typing');
/** Keys that submit or leave a field are not part of what is typed. */
const SUBMIT_KEYS = ['Enter', 'NumpadEnter', 'Tab'];
const passwordRecorder = new Recorder({ target: passwordField, modalities: ['keystroke'], ignoreCodes: SUBMIT_KEYS });

function setProgress(prefix, enrolled, required) {
  $(`${prefix}-progress`).max = required;
  $(`${prefix}-progress`).value = Math.min(enrolled, required);
  $(`${prefix}-progress-label`).textContent = `${Math.min(enrolled, required)} of ${required}`;
}

$('password-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const typed = passwordField.value;
  const sample = withPattern(
    tdna,
    passwordRecorder.sample({ textId: 'password', typedChars: typed.length, device: deviceClass() }),
    { targetId: 'password-typing', text: typed, fixedText: true },
  );
  passwordRecorder.reset();
  passwordField.value = '';
  if (typed !== password) {
    say('That was not your password. Try again.', 'warn');
    return;
  }
  const item = document.createElement('li');
  try {
    const answer = await call('POST', '/api/v1/biometrics/enrollments', sample);
    setProgress('password', answer.enrolled, answer.required);
    $('attempt-number').textContent = String(answer.enrolled + 1);
    item.textContent = `Accepted, ${qualityText(answer.quality)}`;
    item.className = answer.quality.score >= 0.8 ? 'quality-good' : 'quality-poor';
    $('password-attempts').append(item);
    say(`${answer.enrolled} of ${answer.required} attempts recorded.`, 'good');
    if (answer.enrolled >= answer.required) {
      passwordRecorder.stop();
      startText();
    }
  } catch (error) {
    item.textContent = `Not accepted: ${error.message}`;
    item.className = 'quality-poor';
    $('password-attempts').append(item);
    say(`That attempt was not accepted: ${error.message}`, 'bad');
  }
});

const textField = $('text-typing');
const textRecorder = new Recorder({ target: textField, modalities: ['keystroke'], ignoreCodes: SUBMIT_KEYS });

function startText() {
  say('Password typing recorded. Now a few sentences.', 'good');
  $('sentence').textContent = SENTENCES[0];
  showStep('step-text');
  textRecorder.start();
}

// Enter submits the sentence; Shift+Enter is a new line.
textField.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    $('text-form').requestSubmit();
  }
});

$('text-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const typed = textField.value;
  if (typed.trim().length < MIN_TEXT_CHARS) {
    say(`Please type the whole sentence (at least ${MIN_TEXT_CHARS} characters).`, 'warn');
    return;
  }
  const sample = withPattern(
    tdna,
    textRecorder.sample({ textId: null, typedChars: typed.length, device: deviceClass() }),
    { targetId: 'text-typing', text: typed, fixedText: false },
  );
  textRecorder.reset();
  textField.value = '';
  try {
    const answer = await call('POST', '/api/v1/biometrics/enrollments', sample);
    textCount = answer.enrolled;
    setProgress('text', answer.enrolled, answer.required);
    say(`Sentence ${answer.enrolled} of ${answer.required} recorded, ${qualityText(answer.quality)}.`, 'good');
    $('sentence').textContent = SENTENCES[textCount % SENTENCES.length];
    if (answer.enrolled >= answer.required) {
      textRecorder.stop();
      say('Enrolment complete.', 'good');
      showStep('step-done');
      watchTraining();
    }
  } catch (error) {
    say(`That sentence was not accepted: ${error.message}`, 'bad');
  }
});

/** How often and how long the done step asks whether the profiles are trained. */
const TRAINING_POLL_MS = 1000;
const TRAINING_POLL_LIMIT = 120;

/** Shows when the password and free-text profiles have trained models. */
async function watchTraining() {
  const status = $('profile-status');
  for (let poll = 0; poll < TRAINING_POLL_LIMIT; poll += 1) {
    try {
      const { profiles } = await call('GET', '/api/v1/biometrics/profile');
      const keystroke = profiles.filter((profile) => profile.modality === 'keystroke');
      const ready = keystroke.filter((profile) => profile.ready);
      if (keystroke.length && ready.length === keystroke.length) {
        const eer = ready
          .filter((profile) => profile.estimated_eer != null)
          .map((profile) => `${profile.text_id || 'free text'}: estimated error ${Math.round(profile.estimated_eer * 100)}%`);
        status.textContent = `Your typing profile is ready${eer.length ? ` (${eer.join(', ')})` : ''}.`;
        return;
      }
      status.textContent = `Training your typing profile… (${ready.length} of ${keystroke.length} ready)`;
    } catch (error) {
      status.textContent = `Cannot see the profile: ${error.message}`;
    }
    await new Promise((resolve) => setTimeout(resolve, TRAINING_POLL_MS));
  }
}
