// Records raw input events in the engine's event schema (`src/events.rs`): keys by
// `KeyboardEvent.code` with `performance.now()` times, pointer/touch strokes with position,
// pressure and size, device motion. Times never decrease within one recorder, and a key-up
// whose key-down was not seen (the key was held when recording began) is dropped, as the server
// would refuse it.

import { MODALITY_OF_KIND, sample as makeSample } from './protocol.js';

/** `device` of a sample: what the engine trains separate models for. */
export function deviceClass() {
  const coarse = window.matchMedia && window.matchMedia('(pointer: coarse)').matches;
  return coarse || navigator.maxTouchPoints > 1 ? 'mobile' : 'desktop';
}

/** The time of a DOM event on the `performance.now()` clock. */
function eventTime(event) {
  // `timeStamp` is on the performance.now() clock in every current browser and marks when the
  // input happened, not when the handler ran; fall back to now() when it is missing.
  const stamp = event && event.timeStamp;
  return stamp > 0 && stamp <= performance.now() + 1 ? stamp : performance.now();
}

/** Events a recorder keeps (the newest); the server accepts at most 5000 in one sample. */
export const MAX_EVENTS = 5000;

const round = (value) => Math.round(value * 1000) / 1000;

/**
 * Records one or more modalities from a DOM target.
 *
 *   const recorder = new Recorder({ target: input, modalities: ['keystroke'], ignoreCodes: ['Enter'] });
 *   recorder.onEvent = (event) => ...;   // each event as it is recorded (optional)
 *   recorder.start();
 *   ... recorder.sample({ textId: 'password', typedChars: input.value.length }) ...
 *   recorder.stop();
 */
export class Recorder {
  constructor({ target = document, modalities = ['keystroke'], onEvent = null, ignoreCodes = [], maxEvents = MAX_EVENTS } = {}) {
    this.maxEvents = maxEvents;
    this.target = target;
    this.ignoreCodes = new Set(ignoreCodes);
    this.modalities = new Set(modalities);
    this.onEvent = onEvent;
    this.events = [];
    this.held = new Set();
    this.lastT = 0;
    this.pasted = false;
    this.listening = false;
    this.handlers = {
      keydown: (event) => this.key(event, 'key_down'),
      keyup: (event) => this.key(event, 'key_up'),
      pointerdown: (event) => this.pointer(event, 'touch_start'),
      pointermove: (event) => this.pointer(event, 'touch_move'),
      pointerup: (event) => this.pointer(event, 'touch_end'),
      pointercancel: (event) => this.pointer(event, 'touch_end'),
      paste: () => { this.pasted = true; },
      drop: () => { this.pasted = true; },
      devicemotion: (event) => this.motion(event),
    };
  }

  start() {
    if (this.listening) return;
    this.listening = true;
    const on = (type, target = this.target) => target.addEventListener(type, this.handlers[type], true);
    if (this.modalities.has('keystroke')) ['keydown', 'keyup', 'paste', 'drop'].forEach((t) => on(t));
    if (this.modalities.has('touch')) ['pointerdown', 'pointermove', 'pointerup', 'pointercancel'].forEach((t) => on(t));
    if (this.modalities.has('motion')) on('devicemotion', window);
  }

  stop() {
    if (!this.listening) return;
    this.listening = false;
    for (const [type, handler] of Object.entries(this.handlers)) {
      this.target.removeEventListener(type, handler, true);
      window.removeEventListener(type, handler, true);
    }
  }

  /** Forgets what was recorded (keeps listening). */
  reset() {
    this.events = [];
    this.held.clear();
    this.pasted = false;
  }

  /** Whether the user pasted or dropped text since the last reset (lowers a sample's quality). */
  get pastedOrDropped() {
    return this.pasted;
  }

  /**
   * The recorded events of one modality as a `Sample` for the REST API. `typedChars` is the
   * length of the text the field ended with: more characters than key presses tells the server
   * the text was pasted or autofilled.
   */
  sample({ modality = 'keystroke', device = deviceClass(), textId = null, typedChars } = {}) {
    const events = this.events.filter((event) => MODALITY_OF_KIND[event.kind] === modality);
    return makeSample({ modality, device, textId, typedChars, events });
  }

  push(event) {
    event.t = round(Math.max(event.t, this.lastT));
    this.lastT = event.t;
    this.events.push(event);
    if (this.events.length > this.maxEvents) this.events.splice(0, this.events.length - this.maxEvents);
    if (this.onEvent) this.onEvent(event);
  }

  key(event, kind) {
    const code = event.code;
    if (!code || this.ignoreCodes.has(code)) return; // no physical key, or one that submits
    // The codes typed into a password field are the password: never stream them elsewhere.
    if (event.target !== this.target && event.target && event.target.type === 'password') return;
    if (kind === 'key_down') {
      if (event.repeat) return; // auto-repeat: the key is still the same press
      this.held.add(code);
    } else {
      if (!this.held.has(code)) return;
      this.held.delete(code);
    }
    this.push({ kind, code, t: eventTime(event) });
  }

  pointer(event, kind) {
    if (kind === 'touch_move' && event.buttons === 0 && event.pointerType === 'mouse') return;
    const size = Math.max(event.width || 0, event.height || 0);
    this.push({
      kind,
      id: event.pointerId >>> 0,
      x: round(event.clientX),
      y: round(event.clientY),
      // A mouse reports 0.5 while a button is down; touch screens without force report 0 or 1.
      pressure: round(event.pressure || 0),
      size: round(size),
      t: eventTime(event),
    });
  }

  motion(event) {
    const a = event.accelerationIncludingGravity || {};
    const g = event.rotationRate || {};
    if (a.x == null && g.alpha == null) return; // a device without sensors fires empty events
    this.push({
      kind: 'motion',
      ax: round(a.x || 0),
      ay: round(a.y || 0),
      az: round(a.z || 0),
      gx: round(g.alpha || 0),
      gy: round(g.beta || 0),
      gz: round(g.gamma || 0),
      t: eventTime(event),
    });
  }
}

/**
 * Asks for device-motion access where the browser requires a user gesture for it (iOS Safari:
 * `DeviceMotionEvent.requestPermission`). Call from a click handler. Resolves to true when
 * motion events will arrive (or no permission is needed).
 */
export async function requestMotionPermission() {
  if (typeof DeviceMotionEvent === 'undefined') return false;
  if (typeof DeviceMotionEvent.requestPermission !== 'function') return true;
  try {
    return (await DeviceMotionEvent.requestPermission()) === 'granted';
  } catch {
    return false;
  }
}
