/**
 * The webhook's JSON Patch (RFC 6902): add operations only, and their text as the API server
 * receives it (base64 of the JSON array). Pure. The text is written directly rather than by
 * `JSON.stringify` of the whole array: on the admission hot path that was most of the cost of
 * encoding a reply (a few hundred bytes of mostly constant paths), and it is equal to it.
 */

/** One JSON Patch operation; we only ever emit `add`. */
export interface AddOperation {
  op: 'add';
  path: string;
  value: unknown;
}

// Strings JSON.stringify leaves as they are between quotes: no `"`, `\`, control characters,
// nor anything outside ASCII (DEL and above go through JSON.stringify, which decides).
const PLAIN = /^[^"\\\u0000-\u001f\u007f-\uffff]*$/;

function stringText(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

/** `JSON.stringify(ops)`, exactly, for operations of this shape (keys op, path, value). */
export function jsonPatchText(ops: readonly AddOperation[]): string {
  let text = '[';
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i];
    if (i > 0) text += ',';
    // any other shape (an undefined value is left out by JSON.stringify) takes the generic path
    const v = o.value;
    if (o.op !== 'add' || typeof o.path !== 'string' || v === undefined || typeof v === 'function' || typeof v === 'symbol') text += JSON.stringify(o) ?? 'null';
    else text += `{"op":"add","path":${stringText(o.path)},"value":${typeof v === 'string' ? stringText(v) : JSON.stringify(v)}}`;
  }
  return text + ']';
}

/** Base64 of the UTF-8 bytes of `text` (`btoa` is the fast path, for ASCII text only). */
export function base64Text(text: string): string {
  return Buffer.byteLength(text) === text.length ? btoa(text) : Buffer.from(text, 'utf8').toString('base64');
}

/** The `response.patch` field: base64 of the patch's JSON text. */
export function encodePatch(ops: readonly AddOperation[]): string {
  return base64Text(jsonPatchText(ops));
}
