// The phone capture page, opened from the live session page's QR code. The token arrives in
// the URL fragment (never sent to the server in a request line), is kept in this tab's
// sessionStorage and removed from the address bar. Touch strokes on the pad and device motion
// stream in two live sessions (one per modality, device `mobile`); what was captured can be
// enrolled through the REST API until the profiles are ready.

import { call, remember, token } from '../api.js';
import { LiveSession } from '../live.js';
import { requestMotionPermission } from '../recorder.js';
import { percent, say } from './common.js';

const $ = (id) => document.getElementById(id);

const fragment = new URLSearchParams(window.location.hash.slice(1));
if (fragment.get('token')) {
  remember(fragment.get('token'));
  history.replaceState(null, '', window.location.pathname);
}

const sessions = {};

function status(modality, text) {
  $(`${modality}-status`).textContent = text;
}

function open(modality, target) {
  const live = new LiveSession({ token: token(), modality, device: 'mobile', target });
  live.onStatus((state) => status(modality, state));
  live.onScore((frame) => status(modality, `score ${percent(frame.score)} (${frame.decision})`));
  live.onError((frame) => {
    if (frame.code === 'profile_not_ready') status(modality, 'no profile yet: add samples below');
  });
  live.onChallenge(() => say('Please confirm it is you on the live session page.', 'warn'));
  live.onEnded(({ reason }) => {
    status(modality, `ended (${reason})`);
    say(`The session has ended (${reason}). Log in again on your computer.`, 'bad');
  });
  sessions[modality] = live;
  return live.start();
}

$('start').addEventListener('click', async () => {
  if (!token()) {
    say('Open this page from the QR code on the live session page.', 'warn');
    return;
  }
  $('start').disabled = true;
  const motion = await requestMotionPermission();
  await open('touch', $('pad'));
  if (motion) {
    await open('motion', window);
  } else {
    status('motion', 'not available on this device');
  }
  $('enrol').disabled = false;
  say('Capturing. Use the pad as you normally would.', 'good');
  $('pad').focus();
});

$('enrol').addEventListener('click', async () => {
  const results = [];
  for (const [modality, live] of Object.entries(sessions)) {
    const sample = live.sample();
    if (!sample.events.length) continue;
    try {
      const answer = await call('POST', '/api/v1/biometrics/enrollments', sample);
      results.push(`${modality}: ${answer.enrolled} of ${answer.required}`);
      live.recorder.reset();
    } catch (error) {
      results.push(`${modality}: ${error.message}`);
    }
  }
  say(results.length ? `Profile samples: ${results.join('; ')}.` : 'Nothing captured yet: swipe on the pad first.');
});
