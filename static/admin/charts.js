// The dashboard's four charts and a session's score history, drawn with the vendored Plotly
// (window.Plotly, from /static/vendor/plotly.min.js). Every chart gets a text summary too, for
// screen readers and for a quick read.

const CONFIG = { displayModeBar: false, responsive: true };
const COLOURS = {
  success: '#1b7f3b', bad_password: '#b3261e', unknown_user: '#7d5ba6', locked: '#5f6b7f',
  step_up: '#c27c00', genuine: '#1b7f3b', impostor: '#b3261e', unlabelled: '#8a94a6',
  password: '#b3261e', behaviour: '#c27c00', live: '#1f5fbf', started: '#86a8dc', ended: '#b9c0cc',
};

function layout(extra = {}) {
  return {
    margin: { l: 40, r: 10, t: 10, b: 40 },
    height: 260,
    barmode: 'stack',
    legend: { orientation: 'h', y: -0.25 },
    font: { family: 'system-ui, sans-serif', size: 12 },
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    xaxis: { type: 'date' },
    yaxis: { rangemode: 'tozero', fixedrange: true },
    ...extra,
  };
}

function sum(values) {
  return values.reduce((total, value) => total + value, 0);
}

function summarise(id, text) {
  document.getElementById(`${id}-summary`).textContent = text;
}

function bars(x, y, name, colour) {
  return { type: 'bar', x, y, name, marker: { color: colour } };
}

/** Logins per bucket, stacked by outcome. */
export function drawLogins(stats) {
  const x = stats.buckets.map((bucket) => bucket.start);
  const outcomes = [
    ['success', 'success'], ['bad_password', 'wrong password'], ['unknown_user', 'unknown user'],
    ['locked', 'refused: locked'], ['step_up', 'step-up asked'],
  ];
  const traces = outcomes.map(([field, name]) =>
    bars(x, stats.buckets.map((bucket) => bucket[field]), name, COLOURS[field]));
  window.Plotly.react('chart-logins', traces, layout(), CONFIG);
  const totals = outcomes.map(([field, name]) =>
    `${sum(stats.buckets.map((bucket) => bucket[field]))} ${name}`);
  summarise('chart-logins', `Since ${new Date(stats.since).toLocaleString()}: ${totals.join(', ')}.`);
}

/** Score histograms: genuine, impostor and unlabelled verifications, overlaid. */
export function drawScores(stats) {
  const x = stats.bin_edges.map((edge) => edge + stats.bin_width / 2);
  const series = [['genuine', 'genuine'], ['impostor', 'impostor'], ['unlabelled', 'unlabelled']];
  const traces = series.map(([field, name]) => ({
    ...bars(x, stats[field], name, COLOURS[field]),
    width: stats.bin_width * 0.9,
    opacity: 0.75,
  }));
  window.Plotly.react('chart-scores', traces, layout({
    barmode: 'overlay',
    xaxis: { range: [0, 1], title: { text: 'score (0 = unlike the user, 1 = like them)', standoff: 4 }, fixedrange: true },
    legend: { orientation: 'h', y: -0.42 },
    margin: { l: 40, r: 10, t: 10, b: 70 },
  }), CONFIG);
  const totals = series.map(([field, name]) => `${sum(stats[field])} ${name}`);
  summarise('chart-scores', `Verification scores since ${new Date(stats.since).toLocaleString()}: ${totals.join(', ')}. Genuine: samples kept as the user's (accepted with a high score, or labelled by an admin); impostor: labelled so by an admin.`);
}

/** Lockouts per bucket by cause. */
export function drawLockouts(stats) {
  const x = stats.buckets.map((bucket) => bucket.start);
  const password = stats.buckets.map((bucket) => bucket.password_failures);
  const behaviour = stats.buckets.map((bucket) => bucket.behaviour);
  window.Plotly.react('chart-lockouts', [
    bars(x, password, 'wrong passwords', COLOURS.password),
    bars(x, behaviour, 'behaviour', COLOURS.behaviour),
  ], layout(), CONFIG);
  summarise('chart-lockouts', `${sum(password)} lockouts after wrong passwords, ${sum(behaviour)} after behaviour failures.`);
}

/** Sessions live at the end of each bucket (line), started and ended (bars). */
export function drawSessions(stats) {
  const x = stats.buckets.map((bucket) => bucket.start);
  const started = stats.buckets.map((bucket) => bucket.started);
  const ended = stats.buckets.map((bucket) => bucket.ended);
  window.Plotly.react('chart-sessions', [
    bars(x, started, 'started', COLOURS.started),
    bars(x, ended, 'ended', COLOURS.ended),
    {
      type: 'scatter', mode: 'lines+markers', x, y: stats.buckets.map((bucket) => bucket.live),
      name: 'live', line: { color: COLOURS.live, width: 2 },
    },
  ], layout({ barmode: 'group' }), CONFIG);
  summarise('chart-sessions', `${stats.active} active and ${stats.challenged} challenged now; ${sum(started)} started and ${sum(ended)} ended in the window.`);
}

/** One session's sampled scores over time. */
export function drawHistory(history) {
  const x = history.scores.map((point) => point.scored_at);
  const y = history.scores.map((point) => point.score);
  window.Plotly.react('chart-history', [{
    type: 'scatter', mode: 'lines+markers', x, y, name: 'score',
    line: { color: COLOURS.live },
  }], layout({ height: 200, yaxis: { range: [0, 1], fixedrange: true } }), CONFIG);
}
