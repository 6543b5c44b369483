/** The longest quotation of a user's value an error message carries, in characters. */
export const QUOTE_MAX_CHARS = 80;

/**
 * A value as an error message quotes it: its JSON, cut to at most QUOTE_MAX_CHARS
 * characters with an ellipsis and the full length after it. A trace's bad field can
 * be megabytes long; the message must still fit on a terminal line.
 */
export function quote(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  if (json.length <= QUOTE_MAX_CHARS) return json;
  let cut = QUOTE_MAX_CHARS - 1;
  // Never split a UTF-16 surrogate pair: half a character prints as garbage.
  const last = json.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${json.slice(0, cut)}… (${json.length.toLocaleString('en-US')} characters)`;
}
