/** A decoded `data:<mime>;base64,<payload>` URL. */
export interface DataUrl {
  /** MIME type, e.g. `image/png`. */
  mimeType: string;
  /** Base64 payload, not decoded (both Anthropic and Gemini want base64). */
  data: string;
}

const DATA_URL = /^data:([^;,]+)(?:;[^,]*)?;base64,/;

/** Splits a base64 data URL; returns null for anything else (http URLs, non-base64 data URLs). */
export function parseDataUrl(url: string): DataUrl | null {
  const m = DATA_URL.exec(url);
  if (m === null) return null;
  // Group 1 always participates when the regex matches.
  return { mimeType: m[1]!, data: url.slice(m[0].length) };
}

/** Builds a base64 data URL. */
export function toDataUrl(mimeType: string, data: string): string {
  return `data:${mimeType};base64,${data}`;
}

const EXT_MIME: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
};

/** Guesses a MIME type from a URL's extension (Gemini `fileData` needs one); defaults to `image/jpeg`. */
export function guessMimeType(url: string): string {
  const [path = ''] = url.split(/[?#]/, 1);
  const dot = path.lastIndexOf('.');
  return (dot >= 0 && EXT_MIME[path.slice(dot + 1).toLowerCase()]) || 'image/jpeg';
}
