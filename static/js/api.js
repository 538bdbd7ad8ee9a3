// The documented REST API as the pages use it: JSON in and out, the bearer token kept in
// sessionStorage (this tab only), errors as `ApiError` with the server's `{code, message}`.

const TOKEN_KEY = 'behavioral-auth.token';
const USERNAME_KEY = 'behavioral-auth.username';

/** An error answer of the API: HTTP status plus the body's `code` and `message`. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function username() {
  return sessionStorage.getItem(USERNAME_KEY);
}

export function remember(accessToken, name) {
  sessionStorage.setItem(TOKEN_KEY, accessToken);
  if (name) sessionStorage.setItem(USERNAME_KEY, name);
}

export function forget() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USERNAME_KEY);
}

/**
 * Calls `method path` with an optional JSON body; resolves to the parsed answer (or null for
 * an empty one), rejects with `ApiError`. `auth` (default true) sends the stored token.
 */
export async function call(method, path, body, { auth = true, bearer = token() } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (auth && bearer) headers.authorization = `Bearer ${bearer}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(0, 'network', 'the server cannot be reached');
  }
  const text = await response.text();
  let answer = null;
  if (text) {
    try {
      answer = JSON.parse(text);
    } catch {
      answer = null;
    }
  }
  if (!response.ok) {
    const code = (answer && answer.code) || `http_${response.status}`;
    const message = (answer && answer.message) || response.statusText || 'request failed';
    throw new ApiError(response.status, code, message);
  }
  return answer;
}

/**
 * A one-time login nonce (`POST /api/v1/auth/nonce`): a login that carries a typing sample
 * must carry one, so a captured login request cannot be sent again.
 */
export async function loginNonce() {
  const answer = await call('POST', '/api/v1/auth/nonce', undefined, { auth: false });
  return answer.nonce;
}

/** `POST /api/v1/auth/login` with the typing of the password field (and its nonce). */
export async function login(name, password, typing) {
  const body = { username: name, password };
  if (typing) {
    body.typing = typing;
    body.nonce = await loginNonce();
  }
  return call('POST', '/api/v1/auth/login', body, { auth: false });
}
