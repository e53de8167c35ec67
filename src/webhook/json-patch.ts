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

// Text JSON.stringify leaves as it is between quotes: no `"`, `\`, control characters, nor
// anything outside ASCII (DEL and above: JSON.stringify decides).
const PLAIN = /^[^"\\\u0000-\u001f\u007f-\uffff]*$/;

/**
 * `JSON.stringify(ops)`, exactly, for AddOperation objects (keys op, path, value, in that order).
 * When every op is "add" with a string path and a JSON value, and no string needs escaping (one
 * scan of them all), the text is written directly; anything else is left to JSON.stringify.
 */
export function jsonPatchText(ops: readonly AddOperation[]): string {
  let text = '[';
  let strings = '';
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i];
    const v = o.value;
    if (o.op !== 'add' || typeof o.path !== 'string') return JSON.stringify(ops);
    strings += o.path;
    text += `${i === 0 ? '' : ','}{"op":"add","path":"${o.path}","value":`;
    if (typeof v === 'string') {
      strings += v;
      text += `"${v}"}`;
    } else if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return JSON.stringify(ops);
    else text += `${JSON.stringify(v)}}`;
  }
  return PLAIN.test(strings) ? text + ']' : JSON.stringify(ops);
}

/** Base64 of the UTF-8 bytes of `text` (`btoa` is the fast path, for ASCII text only). */
export function base64Text(text: string): string {
  return Buffer.byteLength(text) === text.length ? btoa(text) : Buffer.from(text, 'utf8').toString('base64');
}

/** The `response.patch` field: base64 of the patch's JSON text. */
export function encodePatch(ops: readonly AddOperation[]): string {
  return base64Text(jsonPatchText(ops));
}
