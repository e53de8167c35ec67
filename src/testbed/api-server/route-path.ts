/**
 * Maps a request path to what it addresses, the way kube-apiserver lays out its REST paths:
 * /api/v1/{resource}[/{name}[/{sub}]], /api/v1/namespaces/{ns}/{resource}[/{name}[/{sub}]] and
 * the same under /apis/events.k8s.io/v1. Anything else is a 404 Status.
 */
import { badRequest, pathNotFound } from './api-status.js';
import { CORE_EVENTS, EVENTS_V1, NODES, PODS, type ResourceDef } from './resource-defs.js';

/** Every resource the double serves. */
export const DEFS: ReadonlyArray<ResourceDef> = [PODS, NODES, CORE_EVENTS, EVENTS_V1];

export interface Route {
  def: ResourceDef;
  ns?: string;
  name?: string;
  sub?: string;
}

/** Parses a path; throws the 404 ApiError for unknown resources, scopes or subresources. */
export function parseRoute(path: string): Route {
  const m = /^\/(?:api\/v1|apis\/(events\.k8s\.io)\/v1)\/(.*)$/.exec(path);
  if (!m) throw pathNotFound();
  const group = m[1] ?? '';
  let segs: string[];
  try {
    segs = m[2].split('/').map((s) => decodeURIComponent(s));
  } catch {
    throw badRequest(`malformed percent-encoding in the request path ${JSON.stringify(path)}`);
  }
  if (segs.some((s) => s === '')) throw pathNotFound();
  let ns: string | undefined;
  let rest = segs;
  if (segs[0] === 'namespaces' && segs.length >= 3) {
    ns = segs[1];
    rest = segs.slice(2);
  }
  const [resource, name, sub, ...extra] = rest;
  const def = DEFS.find((d) => d.group === group && d.resource === resource);
  if (!def || extra.length > 0 || (ns !== undefined && !def.namespaced)) throw pathNotFound();
  if (def.namespaced && ns === undefined && name !== undefined) throw pathNotFound();
  if (sub !== undefined && !(sub === 'status' && def.hasStatus)) throw pathNotFound();
  return { def, ns, name, sub };
}
