// A live session: asks `POST /api/v1/sessions` for a single-use ticket, opens the WebSocket
// at the answer's `ws_url`, streams the recorder's events in batches and hands the server's
// frames to callbacks. Reconnects with backoff (a new ticket, so a new session id, each time)
// unless the server ended the session or refused the socket for good.

import { call, ApiError } from './api.js';
import {
  CLOSE_MESSAGE_TOO_BIG,
  CLOSE_POLICY_ENDED,
  CLOSE_POLICY_VIOLATION,
  MODALITY_OF_KIND,
  eventsFrame,
  parseServerFrame,
  stepUpDoneFrame,
} from './protocol.js';
import { Recorder, deviceClass } from './recorder.js';

/** A batch leaves every 250 ms or at 50 events, whichever comes first. */
export const FLUSH_INTERVAL_MS = 250;
export const FLUSH_AT_EVENTS = 50;
/** Events kept while the socket is down; older ones are dropped first. */
export const MAX_PENDING_EVENTS = 500;
/** Reconnect delays: 0.5 s doubling to 15 s, with up to 30% jitter. */
export const RECONNECT_BASE_MS = 500;
export const RECONNECT_MAX_MS = 15000;

export class LiveSession {
  /**
   * `token`: the bearer token; `modality`, `device`, `textId`: the profile to score against;
   * `target`: where input is recorded (default `document`).
   */
  constructor({ token, modality = 'keystroke', device = deviceClass(), textId = null, target = document }) {
    this.token = token;
    this.profile = { modality, device, text_id: textId };
    this.recorder = new Recorder({ target, modalities: [modality] });
    this.recorder.onEvent = (event) => this.enqueue(event);
    this.pending = [];
    this.flushTimer = null;
    this.socket = null;
    this.sessionId = null;
    this.stopped = true;
    this.ended = false;
    this.attempt = 0;
    this.reconnectTimer = null;
    this.callbacks = { score: [], challenge: [], ended: [], error: [], status: [] };
  }

  /** `fn({score, decision, events_seen})` for every score. */
  onScore(fn) { this.callbacks.score.push(fn); return this; }
  /** `fn({reason, deadline_ms})` when the server asks for a step-up. */
  onChallenge(fn) { this.callbacks.challenge.push(fn); return this; }
  /** `fn({reason})` once, when the session is over (for good: no reconnect follows). */
  onEnded(fn) { this.callbacks.ended.push(fn); return this; }
  /** `fn({code, message})` for a refused frame or a score that could not be computed. */
  onError(fn) { this.callbacks.error.push(fn); return this; }
  /** `fn(status)`: 'connecting', 'open', 'reconnecting', 'ended'. */
  onStatus(fn) { this.callbacks.status.push(fn); return this; }

  /** Starts recording and streaming. Resolves once the first socket is open. */
  async start() {
    this.stopped = false;
    this.ended = false;
    this.recorder.start();
    await this.connect();
  }

  /** Stops recording and closes the socket; no reconnect. */
  stop() {
    this.stopped = true;
    this.recorder.stop();
    clearTimeout(this.reconnectTimer);
    this.flush();
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.socket.close(1000, 'stopped');
  }

  /** The events recorded so far, as a `Sample` of this session's profile. */
  sample() {
    return this.recorder.sample({ modality: this.profile.modality, device: this.profile.device, textId: this.profile.text_id });
  }

  /**
   * After a passed `POST /api/v1/sessions/{id}/step-up`, tells the socket so that it clears
   * the pending challenge (the server checks that the pass was recorded).
   */
  stepUpDone() {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(stepUpDoneFrame());
  }

  emit(kind, value) {
    for (const fn of this.callbacks[kind]) {
      try {
        fn(value);
      } catch (error) {
        console.error(error); // a page's callback must not break the stream
      }
    }
  }

  async connect() {
    this.emit('status', this.attempt === 0 ? 'connecting' : 'reconnecting');
    let ticket;
    try {
      ticket = await call('POST', '/api/v1/sessions', this.profile, { bearer: this.token });
    } catch (error) {
      // A refused ticket (token expired, account locked) will not get better by retrying.
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
        this.finish(error.code === 'account_locked' ? 'account_locked' : error.code);
        return;
      }
      this.scheduleReconnect();
      return;
    }
    this.sessionId = ticket.session_id;
    await new Promise((resolve) => {
      const socket = new WebSocket(ticket.ws_url);
      this.socket = socket;
      socket.onopen = () => {
        this.attempt = 0;
        this.emit('status', 'open');
        this.flush();
        resolve();
      };
      socket.onmessage = (message) => this.receive(message.data);
      socket.onclose = (close) => {
        resolve();
        if (this.socket === socket) this.closed(close.code, close.reason);
      };
      socket.onerror = () => {}; // the close that follows says what happened
    });
  }

  receive(data) {
    const frame = parseServerFrame(typeof data === 'string' ? data : '');
    if (!frame) return;
    if (frame.type === 'score') this.emit('score', frame);
    else if (frame.type === 'challenge') this.emit('challenge', frame);
    else if (frame.type === 'error') this.emit('error', frame);
    else if (frame.type === 'ended') this.finish(frame.reason);
  }

  closed(code, reason) {
    this.socket = null;
    if (this.ended || this.stopped) return;
    if (code === CLOSE_POLICY_ENDED || code === CLOSE_POLICY_VIOLATION || code === CLOSE_MESSAGE_TOO_BIG) {
      this.finish(reason || 'closed');
      return;
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.stopped || this.ended) return;
    this.emit('status', 'reconnecting');
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** this.attempt);
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => this.connect(), delay * (1 + 0.3 * Math.random()));
  }

  finish(reason) {
    if (this.ended) return;
    this.ended = true;
    this.recorder.stop();
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.flushTimer);
    this.pending = [];
    this.emit('status', 'ended');
    this.emit('ended', { reason });
  }

  enqueue(event) {
    if (MODALITY_OF_KIND[event.kind] !== this.profile.modality) return;
    this.pending.push(event);
    if (this.pending.length > MAX_PENDING_EVENTS) this.pending.splice(0, this.pending.length - MAX_PENDING_EVENTS);
    if (this.pending.length >= FLUSH_AT_EVENTS) {
      this.flush();
    } else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
    }
  }

  /** Sends what is pending, if the socket is open (else it waits for the next socket). */
  flush() {
    clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (!this.pending.length || !this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    while (this.pending.length) {
      this.socket.send(eventsFrame(this.pending.splice(0, FLUSH_AT_EVENTS)));
    }
  }
}
