// The live session page: streams the typing on this page over the session WebSocket and shows
// the scores as they arrive (gauge and timeline); a challenge opens the step-up dialog
// (`POST /api/v1/sessions/{id}/step-up` with password and typing, then `step_up_done`); the
// end of the session is said plainly. A QR code opens the capture page on a phone. When the
// server has TypingDNA on, the step-up typing also carries TypingDNA's pattern.

import { ApiError, call, forget, token, username } from '../api.js';
import { LiveSession } from '../live.js';
import { Recorder, deviceClass } from '../recorder.js';
import { typingDna, withPattern } from '../typingdna.js';
import { percent, say } from './common.js';

const $ = (id) => document.getElementById(id);

/** What an `ended` reason means for the person at the keyboard. */
const ENDED_TEXT = {
  deny: 'the typing on this page did not match yours',
  challenge_timeout: 'the check was not answered in time',
  step_up_failed: 'the check did not confirm it was you',
  step_up_wrong_password: 'the password given at the check was wrong',
  account_locked: 'the account is locked',
  idle_timeout: 'the connection was silent for too long',
  inactivity_timeout: 'nothing was typed for a long time',
  absolute_timeout: 'it reached its maximum length',
  logged_out: 'you logged out',
  ended_by_admin: 'an administrator ended it',
  invalid_token: 'your login expired',
  unauthorized: 'your login expired',
};
const DECISION_COLOUR = { allow: '#1b7f3b', challenge: '#9a6700', deny: '#b3261e' };

const bearer = token();
/** TypingDNA's recorder on the step-up password field, or null (TypingDNA off, not loaded). */
let tdna = null;
if (bearer) typingDna(['challenge-password']).then((recorder) => { tdna = recorder; });
if (!bearer) {
  say('You are not logged in.', 'warn');
  $('message').append(' ', Object.assign(document.createElement('a'), { href: '/login', textContent: 'Log in' }));
  $('notes').disabled = true;
} else {
  run();
}

function run() {
  $('who').textContent = username() || 'you';
  const login = JSON.parse(sessionStorage.getItem('behavioral-auth.login') || 'null');
  if (login) say(`Logged in: your typing scored ${percent(login.score)} (your threshold ${percent(login.threshold)}).`, 'good');
  showQrCode();
  const scores = [];
  const startedAt = performance.now();
  const live = new LiveSession({ token: bearer, modality: 'keystroke', device: deviceClass() });

  live.onStatus((status) => {
    $('connection').textContent = status;
    if (live.sessionId) $('session-id').textContent = live.sessionId;
  });
  live.onScore((frame) => {
    scores.push({ at: (performance.now() - startedAt) / 1000, ...frame });
    showScore(frame, scores);
  });
  live.onError((frame) => {
    if (frame.code === 'profile_not_ready') {
      say('Your typing profile is still being trained; scores start once it is ready.', 'warn');
    } else {
      say(`The server said: ${frame.message}`, 'warn');
    }
  });
  live.onChallenge((frame) => challenge(live, frame));
  live.onEnded(({ reason }) => {
    const why = ENDED_TEXT[reason] || reason;
    say(`Your session has ended: ${why}. Log in again to continue.`, 'bad');
    $('message').append(' ', Object.assign(document.createElement('a'), { href: '/login', textContent: 'Log in' }));
    $('notes').disabled = true;
    const dialog = $('challenge');
    if (dialog.open) dialog.close();
    clearInterval(countdown);
  });
  live.start();

  $('logout').addEventListener('click', async () => {
    live.stop();
    try {
      await call('POST', '/api/v1/auth/logout');
    } catch {
      // The token may already be revoked or expired; forgetting it is what matters here.
    }
    forget();
    window.location.assign('/');
  });
  $('notes').focus();
}

function showScore(frame, scores) {
  $('gauge-value').textContent = percent(frame.score);
  const arc = $('gauge-arc');
  arc.setAttribute('stroke-dasharray', `${Math.round(frame.score * 100)} 100`);
  arc.setAttribute('visibility', 'visible');
  arc.setAttribute('stroke', DECISION_COLOUR[frame.decision] || '#1f5fbf');
  const decision = $('decision');
  decision.textContent = frame.decision;
  decision.className = `decision-${frame.decision}`;
  $('score-count').textContent = String(scores.length);
  $('events-seen').textContent = String(frame.events_seen);
  drawTimeline(scores);
}

function drawTimeline(scores) {
  const canvas = $('timeline');
  const context = canvas.getContext('2d');
  const { width, height } = canvas;
  const pad = 24;
  context.clearRect(0, 0, width, height);
  context.font = '12px system-ui, sans-serif';
  context.fillStyle = '#4a5468';
  context.strokeStyle = '#d5dae3';
  for (const level of [0, 0.5, 1]) {
    const y = height - pad - level * (height - 2 * pad);
    context.beginPath();
    context.moveTo(pad, y);
    context.lineTo(width - 4, y);
    context.stroke();
    context.fillText(level.toFixed(1), 0, y + 4);
  }
  const span = Math.max(30, scores[scores.length - 1].at);
  const x = (at) => pad + (at / span) * (width - pad - 8);
  const y = (score) => height - pad - score * (height - 2 * pad);
  context.strokeStyle = '#1f5fbf';
  context.beginPath();
  scores.forEach((point, index) => (index ? context.lineTo(x(point.at), y(point.score)) : context.moveTo(x(point.at), y(point.score))));
  context.stroke();
  for (const point of scores) {
    context.fillStyle = DECISION_COLOUR[point.decision] || '#1f5fbf';
    context.beginPath();
    context.arc(x(point.at), y(point.score), 4, 0, 2 * Math.PI);
    context.fill();
  }
  context.fillStyle = '#4a5468';
  context.fillText(`${Math.round(span)} s`, width - 40, height - 6);
}

let countdown = null;

function challenge(live, frame) {
  const dialog = $('challenge');
  const field = $('challenge-password');
  const recorder = new Recorder({ target: field, modalities: ['keystroke'], ignoreCodes: ['Enter', 'NumpadEnter', 'Tab'] });
  recorder.start();
  $('challenge-reason').textContent = `Your typing stopped looking like yours (${frame.reason}). Type your password to continue.`;
  $('challenge-message').textContent = '';
  field.value = '';
  if (tdna) tdna.reset();
  const deadline = performance.now() + frame.deadline_ms;
  const tick = () => {
    $('challenge-left').textContent = `${Math.max(0, Math.ceil((deadline - performance.now()) / 1000))} s`;
  };
  tick();
  clearInterval(countdown);
  countdown = setInterval(tick, 500);
  say('Please confirm it is you.', 'warn');
  if (!dialog.open) dialog.showModal();
  // Focus the heading, not the field: keys typed in the moment the dialog appears must not
  // land in the password field (nor an Enter submit it).
  $('challenge-heading').focus();

  const form = $('challenge-form');
  let submitting = false;
  form.onsubmit = async (event) => {
    event.preventDefault();
    if (submitting) return;
    const password = field.value;
    if (!password) {
      $('challenge-message').textContent = 'Type your password.';
      return;
    }
    const typing = withPattern(
      tdna,
      recorder.sample({ textId: 'password', typedChars: password.length, device: deviceClass() }),
      { targetId: 'challenge-password', text: password, fixedText: true },
    );
    recorder.reset();
    field.value = '';
    submitting = true;
    try {
      await call('POST', `/api/v1/sessions/${live.sessionId}/step-up`, { password, typing: typing.events.length ? typing : null });
    } catch (error) {
      $('challenge-message').textContent = error instanceof ApiError ? error.message : String(error);
      return; // a failed step-up ends the session: the `ended` frame follows
    }
    recorder.stop();
    clearInterval(countdown);
    live.stepUpDone();
    dialog.close();
    say('Thank you: confirmed.', 'good');
  };
  // Escape would leave the challenge unanswered; keep the dialog until it is answered or over.
  dialog.oncancel = (event) => event.preventDefault();
}

function showQrCode() {
  const url = `${window.location.origin}/capture#token=${encodeURIComponent(token())}`;
  $('capture-link').href = url;
  if (typeof window.qrcode !== 'function') return;
  const code = window.qrcode(0, 'M');
  code.addData(url);
  code.make();
  $('qr').src = code.createDataURL(4, 8);
}
