/**
 * behavioral-auth capture SDK: plain ES modules, no build step, served at `/static/js/`.
 *
 * Live scoring (keystrokes here; `modality: 'touch'` or `'motion'` on a phone):
 *
 *   import { LiveSession } from '/static/js/capture.js';
 *   const live = new LiveSession({ token, modality: 'keystroke', device: 'desktop' });
 *   live.onScore(({ score, decision, events_seen }) => ...)
 *       .onChallenge(({ reason, deadline_ms }) => ...)   // pass the REST step-up, then:
 *       .onEnded(({ reason }) => ...);                    // live.stepUpDone()
 *   await live.start();   // ticket from POST /api/v1/sessions, WebSocket, recording
 *   live.sample();        // what was recorded, as a Sample
 *   live.stop();
 *
 * Events leave in batches every 250 ms or at 50 events, whichever comes first. A dropped
 * socket is reopened with backoff (0.5 s doubling to 15 s), each time with a new ticket; an
 * `ended` frame, close code 4001/1008/1009 or a refused ticket (expired token, locked
 * account) ends the session for good and calls `onEnded` once.
 *
 * One fixed-text sample (enrolment, login typing):
 *
 *   import { Recorder } from '/static/js/capture.js';
 *   const recorder = new Recorder({ target: passwordInput, modalities: ['keystroke'] });
 *   recorder.start();
 *   ... on submit: recorder.sample({ textId: 'password', typedChars: passwordInput.value.length })
 *
 * `typedChars` lets the server see pasted or autofilled text (more characters than key
 * presses). Device motion needs `await requestMotionPermission()` from a click on iOS.
 * The frames and events mirror `src/protocol.rs` and `src/events.rs` (see `protocol.js`).
 *
 * TypingDNA (optional, when the server has it on): `typingDna([fieldId])` from `typingdna.js`
 * loads TypingDNA's vendored recorder and `withPattern(tdna, sample, {targetId, text,
 * fixedText})` adds its `typingdna_pattern`; with TypingDNA off both are no-ops.
 */

export { LiveSession, FLUSH_AT_EVENTS, FLUSH_INTERVAL_MS } from './live.js';
export { Recorder, deviceClass, requestMotionPermission } from './recorder.js';
export { CLOSE_POLICY_ENDED } from './protocol.js';
export { typingDna, withPattern } from './typingdna.js';
