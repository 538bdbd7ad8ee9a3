// The landing page: shows whether the server is ready.
const status = document.getElementById('status');

try {
  const response = await fetch('/ready');
  const body = await response.json();
  status.textContent = response.ok ? 'ready' : `not ready: ${body.message}`;
} catch {
  status.textContent = 'unreachable';
}
