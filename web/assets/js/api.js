// api.js - fetch wrappers for fluoro's /api/v1. Errors come back as ApiError carrying the API's
// {error: {code, message, position}} so pages can point at the bad character of a filter.

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || 'HttpError';
    this.position = typeof e.position === 'number' ? e.position : -1;
  }
}

function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  }
  const q = u.toString();
  return q ? `?${q}` : '';
}

export async function get(path, params, opts = {}) {
  const res = await fetch(`/api/v1/${path}${qs(params)}`, {
    headers: { Accept: 'application/json' },
    signal: opts.signal,
  });
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

export function url(path, params) {
  return `/api/v1/${path}${qs(params)}`;
}
