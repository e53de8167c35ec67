/**
 * The AdmissionReview envelope (admission.k8s.io/v1, and v1beta1 which has the same shape):
 * recognizing a request and building the response the API server accepts - same apiVersion and
 * kind, `response.uid` = `request.uid`, `patchType` exactly when there is a patch.
 */
import { isObject, stringAt, type JsonObject } from '../pod/pod-view.js';
import { encodePatch, type AddOperation } from './json-patch.js';

export const ADMISSION_API_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;

/** The request fields we read; `object`/`oldObject` stay unknown (checked by the rules). */
export interface AdmissionRequest {
  apiVersion: string;
  uid: string;
  kind: { group: string; version: string; kind: string };
  subResource: string;
  namespace: string;
  name: string;
  operation: string;
  dryRun: boolean;
  /** `userInfo.username` of the requester ('' when absent): who sent it, as the API server authenticated it. */
  username: string;
  object: unknown;
  oldObject: unknown;
}

export type ParsedReview = { ok: true; request: AdmissionRequest } | { ok: false; message: string };

/** Recognizes an AdmissionReview request; anything else is a 400 with the returned message. */
export function parseAdmissionReview(body: unknown): ParsedReview {
  if (!isObject(body)) return { ok: false, message: 'body is not a JSON object' };
  const apiVersion = stringAt(body, 'apiVersion');
  if (body.kind !== 'AdmissionReview') return { ok: false, message: 'kind must be AdmissionReview' };
  if (!apiVersion || !(ADMISSION_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    return { ok: false, message: `apiVersion must be one of ${ADMISSION_API_VERSIONS.join(', ')}` };
  }
  const req = body.request;
  if (!isObject(req)) return { ok: false, message: 'request is missing' };
  const uid = stringAt(req, 'uid');
  if (!uid) return { ok: false, message: 'request.uid is missing' };
  const kind: JsonObject = isObject(req.kind) ? req.kind : {};
  return {
    ok: true,
    request: {
      apiVersion,
      uid,
      kind: { group: stringAt(kind, 'group') ?? '', version: stringAt(kind, 'version') ?? '', kind: stringAt(kind, 'kind') ?? '' },
      subResource: stringAt(req, 'subResource') ?? '',
      namespace: stringAt(req, 'namespace') ?? '',
      name: stringAt(req, 'name') ?? '',
      operation: stringAt(req, 'operation') ?? '',
      dryRun: req.dryRun === true,
      username: stringAt(req.userInfo, 'username') ?? '',
      object: req.object,
      oldObject: req.oldObject,
    },
  };
}

/** What the handler decided, before encoding. */
export interface AdmissionDecision {
  allowed: boolean;
  /** Denials: HTTP-like code (403) and the message shown to the user by kubectl. */
  status?: { code: number; reason: string; message: string };
  warnings?: string[];
  /** JSON Patch operations (only from /mutate, only when non-empty). */
  patch?: AddOperation[];
}

/** Kubernetes truncates each warning at 256 characters (and drops them beyond 4 KiB in total). */
const MAX_WARNING_LENGTH = 256;

/**
 * The response envelope for `request` and its JSON text (equal to `JSON.stringify(body)`). The
 * text is written field by field rather than by JSON.stringify of the body, and the patch is
 * encoded once (json-patch.ts): base64 needs no JSON escaping, so it goes between quotes as is.
 */
export function encodeAdmissionResponse(request: Pick<AdmissionRequest, 'apiVersion' | 'uid'>, d: AdmissionDecision): { body: JsonObject; text: string } {
  const response: JsonObject = { uid: request.uid, allowed: d.allowed };
  let text = `{"apiVersion":${JSON.stringify(request.apiVersion)},"kind":"AdmissionReview","response":{"uid":${JSON.stringify(request.uid)},"allowed":${d.allowed}`;
  if (d.status) {
    response.status = d.status;
    text += `,"status":${JSON.stringify(d.status)}`;
  }
  if (d.warnings && d.warnings.length > 0) {
    const warnings = d.warnings.map((w) => (w.length > MAX_WARNING_LENGTH ? w.slice(0, MAX_WARNING_LENGTH - 3) + '...' : w));
    response.warnings = warnings;
    text += `,"warnings":${JSON.stringify(warnings)}`;
  }
  if (d.patch && d.patch.length > 0) {
    const patch = encodePatch(d.patch); // [A-Za-z0-9+/=]
    response.patchType = 'JSONPatch';
    response.patch = patch;
    text += `,"patchType":"JSONPatch","patch":"${patch}"`;
  }
  const body: JsonObject = { apiVersion: request.apiVersion, kind: 'AdmissionReview', response };
  return { body, text: text + '}}' };
}
