/** Whether an AMap HTTP 200 body is a real answer or an application-level rejection. */
export type AmapVerdict = { readonly ok: true } | { readonly ok: false; readonly error: string };

// infos that mean the operator's key (not the model's arguments) is at fault.
const KEY_PROBLEM = /KEY|SCODE|SIGNATURE|DAILY_QUERY_OVER_LIMIT|ACCESS_TOO_FREQUENT/;

/**
 * AMap reports rejections (bad key, quota, bad parameters) with HTTP 200 and, in the v3 API,
 * `{"status":"0","info":"INVALID_USER_KEY","infocode":"10001"}`, or in the v4 API (bicycling)
 * `{"errcode":10001,"errmsg":"INVALID_USER_KEY"}`. Higress passes these through as successes;
 * we turn them into errors that name AMap's info so the model and operator can tell what went wrong.
 */
export function judgeAmapBody(tool: string, body: string): AmapVerdict {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, error: `${tool} failed: AMap returned malformed JSON` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, error: `${tool} failed: AMap returned an unexpected response (not a JSON object)` };
  }
  const o = parsed as Record<string, unknown>;
  if ('status' in o && String(o.status) !== '1') {
    return { ok: false, error: rejection(tool, String(o.info ?? 'unknown error'), o.infocode) };
  }
  if ('errcode' in o && String(o.errcode) !== '0') {
    return { ok: false, error: rejection(tool, String(o.errmsg ?? 'unknown error'), o.errcode) };
  }
  return { ok: true };
}

function rejection(tool: string, info: string, code: unknown): string {
  const codeText = code === undefined || code === null || code === '' ? '' : ` (infocode ${String(code)})`;
  const hint = KEY_PROBLEM.test(info) ? '; check the "apiKey" secret and its AMap quota' : '';
  return `${tool} failed: AMap rejected the request: ${info}${codeText}${hint}`;
}
