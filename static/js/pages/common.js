// Small helpers shared by the user pages.

/** Shows `text` in the page's status line; `tone` is '', 'good', 'warn' or 'bad'. */
export function say(text, tone = '') {
  const message = document.getElementById('message');
  if (!message) return;
  message.className = `message ${tone}`.trim();
  message.textContent = text;
}

/** Shows one step of a wizard and hides the others; focuses its first field. */
export function showStep(id) {
  for (const step of document.querySelectorAll('.step')) step.hidden = step.id !== id;
  const first = document.querySelector(`#${id} input, #${id} textarea, #${id} a.button`);
  if (first) first.focus();
}

/** "92%" for a 0..1 value. */
export function percent(value) {
  return `${Math.round(value * 100)}%`;
}

/** The quality feedback of an enrolment answer, in words. */
export function qualityText(quality) {
  const score = `quality ${percent(quality.score)}`;
  return quality.reasons.length ? `${score}: ${quality.reasons.join('; ')}` : `${score}`;
}
