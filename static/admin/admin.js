// The admin dashboard: sign-in (token in sessionStorage, this tab only), charts and tables,
// all read and changed through the documented REST API under /api/v1/admin.

import { ApiError, call } from '/static/js/api.js';
import { drawHistory, drawLockouts, drawLogins, drawScores, drawSessions } from './charts.js';

const TOKEN_KEY = 'behavioral-auth.admin-token';
const PAGE_SIZE = 20;
/** The event types of `GET /api/v1/admin/security-events?type=` (the server's `EventType`). */
const EVENT_TYPES = [
  'register', 'login_success', 'login_failure', 'lockout', 'unlock', 'logout', 'admin_created',
  'biometric_challenge', 'biometrics_erased', 'sample_labelled', 'model_retrain',
  'webhook_created', 'webhook_deleted', 'session_ended',
];
/** Time windows of the charts: how far back and the bucket width. */
const WINDOWS = {
  hour: { ms: 3600e3, bucket: 'minute' },
  day: { ms: 24 * 3600e3, bucket: 'hour' },
  month: { ms: 30 * 24 * 3600e3, bucket: 'day' },
};

const $ = (id) => document.getElementById(id);
const state = {
  usernames: new Map(),
  userCursor: null,
  eventCursors: [null],
  eventPage: 0,
};

function bearer() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function api(method, path, body) {
  return call(method, path, body, { bearer: bearer() });
}

function say(text, kind = 'info') {
  const message = $('message');
  message.textContent = text;
  message.dataset.kind = kind;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '–';
}

/** A table cell (or header) with text, never HTML. */
function cell(row, text, tag = 'td') {
  const element = document.createElement(tag);
  element.textContent = text;
  row.append(element);
  return element;
}

function button(label, onClick, description) {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = label;
  element.className = 'small';
  if (description) element.setAttribute('aria-label', description);
  element.addEventListener('click', onClick);
  return element;
}

function fill(tableId, items, render, empty) {
  const body = $(tableId).tBodies[0];
  body.replaceChildren();
  if (items.length === 0) {
    const row = body.insertRow();
    const td = cell(row, empty);
    td.colSpan = $(tableId).tHead.rows[0].cells.length;
    td.className = 'empty';
    return;
  }
  for (const item of items) render(body.insertRow(), item);
}

function userLabel(id) {
  return state.usernames.get(id) || (id ? `${id.slice(0, 8)}…` : '–');
}

// ---- charts ----------------------------------------------------------------------------

async function loadCharts() {
  const window_ = WINDOWS[$('window').value];
  const since = new Date(Date.now() - window_.ms).toISOString();
  const query = `since=${encodeURIComponent(since)}&bucket=${window_.bucket}`;
  const [logins, scores, lockouts, sessions] = await Promise.all([
    api('GET', `/api/v1/admin/stats/logins?${query}`),
    api('GET', `/api/v1/admin/stats/scores?since=${encodeURIComponent(since)}`),
    api('GET', `/api/v1/admin/stats/lockouts?${query}`),
    api('GET', `/api/v1/admin/stats/sessions?${query}`),
  ]);
  drawLogins(logins);
  drawScores(scores);
  drawLockouts(lockouts);
  drawSessions(sessions);
  $('live-active').textContent = sessions.active;
  $('live-challenged').textContent = sessions.challenged;
}

// ---- users -----------------------------------------------------------------------------

function profileText(profiles) {
  if (profiles.length === 0) return 'none';
  return profiles
    .map((p) => {
      const [modality, device, text] = p.profile_key.split('/');
      const name = `${modality} ${device}, ${text === '*' ? 'free text' : text}`;
      return `${name}: ${p.ready ? 'ready' : `${p.samples} of ${p.required}`}`;
    })
    .join('; ');
}

function eerText(profiles) {
  const eers = profiles.map((p) => p.estimated_eer).filter((eer) => eer !== null && eer !== undefined);
  return eers.length ? `${(Math.min(...eers) * 100).toFixed(1)} %` : '–';
}

async function loadUsers(cursor = null) {
  const query = `limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  const page = await api('GET', `/api/v1/admin/users?${query}`);
  for (const user of page.items) state.usernames.set(user.user_id, user.username);
  fill('users', page.items, (row, user) => {
    row.dataset.username = user.username;
    cell(row, user.username, 'th').scope = 'row';
    const status = cell(row, user.locked
      ? (user.permanently_locked ? 'locked (permanent)' : `locked until ${when(user.locked_until)}`)
      : 'active');
    status.className = `status ${user.locked ? 'bad' : 'good'}`;
    cell(row, profileText(user.profiles));
    cell(row, eerText(user.profiles));
    const actions = cell(row, '');
    if (user.locked) {
      actions.append(button('Unlock', () => act(
        () => api('POST', `/api/v1/admin/users/${user.user_id}/unlock`),
        `${user.username} unlocked.`,
      ), `Unlock ${user.username}`));
    }
    if (user.profiles.some((p) => p.ready)) {
      actions.append(button('Retrain', () => act(
        () => api('POST', `/api/v1/admin/users/${user.user_id}/retrain`),
        `Retraining ${user.username}'s profiles.`,
      ), `Retrain ${user.username}'s profiles`));
    }
  }, 'No users.');
  $('locked-users').textContent = page.items.filter((user) => user.locked).length;
  state.userCursor = page.next_cursor || null;
  $('users-next').disabled = !state.userCursor;
}

// ---- sessions --------------------------------------------------------------------------

async function loadSessions() {
  const sessions = await api('GET', '/api/v1/admin/sessions?limit=50');
  const live = sessions.filter((s) => s.status !== 'ended');
  const recent = sessions.filter((s) => s.status === 'ended').slice(0, 10);
  fill('sessions', [...live, ...recent], (row, session) => {
    row.dataset.sessionId = session.session_id;
    cell(row, userLabel(session.user_id), 'th').scope = 'row';
    cell(row, session.profile_key);
    const status = cell(row, session.status === 'ended'
      ? `ended (${session.end_reason || 'unknown'})` : session.status);
    status.className = `status ${session.status === 'active' ? 'good' : session.status === 'challenged' ? 'warn' : ''}`;
    cell(row, session.last_score === null ? '–' : session.last_score.toFixed(2));
    cell(row, when(session.created_at));
    const actions = cell(row, '');
    actions.append(button('Scores', () => showHistory(session), `Score history of this session of ${userLabel(session.user_id)}`));
    if (session.status !== 'ended') {
      actions.append(button('End', () => act(
        () => api('DELETE', `/api/v1/admin/sessions/${session.session_id}`),
        'Session ended.',
      ), `End this session of ${userLabel(session.user_id)}`));
    }
  }, 'No sessions yet.');
}

async function showHistory(session) {
  const history = await api('GET', `/api/v1/admin/sessions/${session.session_id}/scores`);
  $('history').hidden = false;
  $('history-caption').textContent =
    `Score history of ${userLabel(session.user_id)}'s session (${history.scores.length} kept scores)`;
  drawHistory(history);
}

// ---- security events -------------------------------------------------------------------

function eventFilters() {
  const params = new URLSearchParams();
  const type = $('event-type').value;
  const userId = $('event-user').value.trim();
  const since = $('event-since').value;
  if (type) params.set('type', type);
  if (userId) params.set('user_id', userId);
  if (since) params.set('since', new Date(since).toISOString());
  return params;
}

async function loadEvents() {
  const params = eventFilters();
  params.set('limit', PAGE_SIZE);
  const cursor = state.eventCursors[state.eventPage];
  if (cursor) params.set('cursor', cursor);
  const page = await api('GET', `/api/v1/admin/security-events?${params}`);
  fill('events', page.items, (row, event) => {
    cell(row, when(event.created_at));
    cell(row, event.type);
    cell(row, event.severity).className = event.severity === 'high' ? 'bad' : event.severity === 'warning' ? 'warn' : '';
    cell(row, userLabel(event.user_id));
    cell(row, event.ip || '–');
    const details = cell(row, JSON.stringify(event.details));
    details.className = 'details';
  }, 'No events match.');
  state.eventCursors[state.eventPage + 1] = page.next_cursor || null;
  $('events-older').disabled = !page.next_cursor;
  $('events-newer').disabled = state.eventPage === 0;
}

// ---- webhooks --------------------------------------------------------------------------

async function loadWebhooks() {
  const list = await api('GET', '/api/v1/admin/webhooks');
  fill('webhooks', list.items, (row, hook) => {
    cell(row, hook.url, 'th').scope = 'row';
    cell(row, hook.events.join(', '));
    cell(row, hook.enabled ? 'yes' : 'no');
    cell(row, when(hook.created_at));
    cell(row, '').append(button('Deliveries', () => showDeliveries(hook), `Deliveries to ${hook.url}`));
  }, 'No webhook subscriptions.');
}

async function showDeliveries(hook) {
  const list = await api('GET', `/api/v1/admin/webhooks/${hook.id}/deliveries`);
  $('deliveries-panel').hidden = false;
  $('deliveries-heading').textContent = `Deliveries to ${hook.url}`;
  fill('deliveries', list.items, (row, delivery) => {
    cell(row, when(delivery.attempted_at));
    cell(row, delivery.event_type);
    cell(row, delivery.message_id);
    cell(row, delivery.success ? `delivered (${delivery.status})` : 'failed').className = delivery.success ? 'good' : 'bad';
    cell(row, delivery.error || '');
  }, 'No delivery attempts yet.');
}

// ---- CSV exports -----------------------------------------------------------------------

async function download(path, fileName) {
  const response = await fetch(path, {
    headers: { authorization: `Bearer ${bearer()}` },
    credentials: 'omit',
  });
  if (!response.ok) throw new ApiError(response.status, `http_${response.status}`, 'export failed');
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- wiring ----------------------------------------------------------------------------

/** Runs an action, reports it, and reloads what it may have changed. */
async function act(action, done) {
  try {
    await action();
    say(done, 'good');
    await refresh();
  } catch (error) {
    report(error);
  }
}

function report(error) {
  if (error instanceof ApiError && error.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn('Your admin session expired; sign in again.');
    return;
  }
  say(error instanceof ApiError ? `${error.message} (${error.code})` : String(error), 'bad');
}

async function refresh() {
  try {
    await loadUsers();
    await Promise.all([loadCharts(), loadSessions(), loadEvents(), loadWebhooks()]);
  } catch (error) {
    report(error);
  }
}

function showSignIn(text) {
  $('dashboard').hidden = true;
  $('sign-out').hidden = true;
  $('who').hidden = true;
  $('sign-in').hidden = false;
  if (text) say(text);
  $('admin-username').focus();
}

async function showDashboard() {
  const me = await api('GET', '/api/v1/me');
  if (me.role !== 'admin') {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn('That account is not an admin.');
    return;
  }
  $('sign-in').hidden = true;
  $('dashboard').hidden = false;
  $('sign-out').hidden = false;
  $('who').hidden = false;
  $('who').textContent = `Signed in as ${me.username}`;
  say('');
  await refresh();
}

async function signIn(event) {
  event.preventDefault();
  const username = $('admin-username').value.trim();
  const password = $('admin-password').value;
  if (!username || !password) {
    say('Enter the admin username and password.', 'bad');
    return;
  }
  try {
    const answer = await call('POST', '/api/v1/auth/login', { username, password }, { auth: false });
    sessionStorage.setItem(TOKEN_KEY, answer.access_token);
    $('admin-password').value = '';
    await showDashboard();
  } catch (error) {
    say(error instanceof ApiError && error.status === 401
      ? 'Wrong username or password, or the account is locked.'
      : `Sign-in failed: ${error.message}`, 'bad');
  }
}

async function signOut() {
  try {
    await api('POST', '/api/v1/auth/logout');
  } catch {
    // The token may already be revoked or expired; forgetting it is what matters.
  }
  sessionStorage.removeItem(TOKEN_KEY);
  showSignIn('Signed out.');
}

function wire() {
  for (const type of EVENT_TYPES) $('event-type').append(new Option(type, type));
  $('sign-in-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', signOut);
  $('refresh').addEventListener('click', refresh);
  $('window').addEventListener('change', () => loadCharts().catch(report));
  $('users-next').addEventListener('click', () => loadUsers(state.userCursor).catch(report));
  $('users-first').addEventListener('click', () => loadUsers().catch(report));
  $('event-filters').addEventListener('submit', (event) => {
    event.preventDefault();
    state.eventCursors = [null];
    state.eventPage = 0;
    loadEvents().catch(report);
  });
  $('events-older').addEventListener('click', () => {
    state.eventPage += 1;
    loadEvents().catch(report);
  });
  $('events-newer').addEventListener('click', () => {
    state.eventPage = Math.max(0, state.eventPage - 1);
    loadEvents().catch(report);
  });
  $('export-users').addEventListener('click', () =>
    download('/api/v1/admin/users/export', 'users.csv').catch(report));
  $('export-events').addEventListener('click', () =>
    download(`/api/v1/admin/security-events/export?${eventFilters()}`, 'security-events.csv').catch(report));
}

wire();
if (bearer()) {
  showDashboard().catch((error) => {
    report(error);
    if (!bearer()) return;
    showSignIn();
  });
} else {
  showSignIn();
}
