// Login with the typing of the password field: the keystrokes of the password are sent as
// the login's `typing` sample (with a one-time nonce). A right password whose typing does not
// pass answers `step_up_required` and no token: the page asks for the password again.
// When the server has TypingDNA on, the typing also carries TypingDNA's pattern of the field.

import { ApiError, login, remember } from '../api.js';
import { Recorder, deviceClass } from '../recorder.js';
import { typingDna, withPattern } from '../typingdna.js';
import { percent, say } from './common.js';

const $ = (id) => document.getElementById(id);
const field = $('password');
const recorder = new Recorder({ target: field, modalities: ['keystroke'], ignoreCodes: ['Enter', 'NumpadEnter', 'Tab'] });
recorder.start();
/** TypingDNA's recorder on the password field, or null (TypingDNA off, or not loaded yet). */
let tdna = null;
typingDna(['password']).then((recorder) => { tdna = recorder; });

/** What a `step_up_reason` means for the person at the keyboard. */
const STEP_UP_TEXT = {
  typing_required: 'Your account checks how you type: please type your password (do not paste it).',
  low_typing_score: 'Your password was right, but your typing did not look like yours. Type your password again, calmly, as you usually do.',
  replayed_sample: 'That typing was identical to an earlier one, as a recording would be. Type your password again.',
  sequence_mismatch: 'Your password was right, but it was not typed key by key (pasted, autofilled or edited). Type it again without corrections.',
};

// A fresh attempt starts from an empty field, so the sample holds exactly one typing.
field.addEventListener('focus', () => {
  if (!field.value) {
    recorder.reset();
    if (tdna) tdna.reset();
  }
});

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = $('username').value.trim();
  const password = field.value;
  if (!name || !password) {
    say('Enter your username and password.', 'warn');
    return;
  }
  const typing = withPattern(
    tdna,
    recorder.sample({ textId: 'password', typedChars: password.length, device: deviceClass() }),
    { targetId: 'password', text: password, fixedText: true },
  );
  const hasTyping = typing.events.length > 0;
  recorder.reset();
  field.value = '';
  let answer;
  try {
    answer = await login(name, password, hasTyping ? typing : null);
  } catch (error) {
    say(error instanceof ApiError ? error.message : String(error), 'bad');
    field.focus();
    return;
  }
  if (answer.step_up_required) {
    $('step-up').hidden = false;
    $('step-up-text').textContent = STEP_UP_TEXT[answer.step_up_reason] || STEP_UP_TEXT.low_typing_score;
    const score = answer.biometric ? ` (typing score ${percent(answer.biometric.score)})` : '';
    say(`Typing check not passed${score}.`, 'warn');
    field.focus();
    return;
  }
  remember(answer.access_token, name);
  // The session page says how the login's typing scored.
  sessionStorage.setItem('behavioral-auth.login', JSON.stringify(answer.biometric || null));
  const score = answer.biometric ? `, typing score ${percent(answer.biometric.score)}` : '';
  say(`Logged in${score}.`, 'good');
  window.location.assign('/session');
});
