/**
 * What the double serves, per resource: kind names, scope, selectable fields, defaulting on
 * create and validation (the subset of the real API server's strategies the project relies on).
 */
import { computePodQosClass } from '../../pod/pod-qos-class.js';
import { QuantityError, canonicalQuantity, parseQuantityExact } from '../../pod/quantity.js';
import { cause, type ResourceRef, type StatusCause } from './api-status.js';
import type { FieldGetters } from './selectors.js';

export interface ResourceDef extends ResourceRef {
  kind: string;
  listKind: string;
  apiVersion: string;
  namespaced: boolean;
  /** Has a /status subresource: main-resource writes keep status, status writes keep the rest. */
  hasStatus: boolean;
  fieldGetters: FieldGetters;
  /** Fills server-side defaults on create (mutates). */
  defaultOnCreate?(obj: any): void;
  /** Field errors of a full object about to be stored. */
  validate(obj: any): StatusCause[];
  /** Rewrites quantities to the canonical text the real server stores (after validate passed). */
  canonicalize?(obj: any): void;
}

function canonicalList(list: any): void {
  if (!list || typeof list !== 'object') return;
  for (const k of Object.keys(list)) list[k] = canonicalQuantity(list[k]);
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** `2026-01-02T03:04:05Z`: the apiserver's RFC 3339 seconds form. */
export const timestamp = (d = new Date()): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function validateMeta(obj: any): StatusCause[] {
  const out: StatusCause[] = [];
  const name = obj?.metadata?.name;
  if (typeof name !== 'string' || name === '') out.push(cause('FieldValueRequired', 'metadata.name', 'Required value: name or generateName is required'));
  else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    out.push(cause('FieldValueInvalid', 'metadata.name', `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`));
  }
  const labels = obj?.metadata?.labels;
  if (labels !== undefined && labels !== null) {
    if (typeof labels !== 'object' || Array.isArray(labels)) out.push(cause('FieldValueInvalid', 'metadata.labels', 'Invalid value: must be a map of strings'));
    else {
      for (const [k, v] of Object.entries(labels)) {
        if (!LABEL_KEY.test(k)) out.push(cause('FieldValueInvalid', `metadata.labels`, `Invalid value: ${JSON.stringify(k)}: not a valid label key`));
        if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) out.push(cause('FieldValueInvalid', `metadata.labels[${k}]`, `Invalid value: ${JSON.stringify(v)}: not a valid label value`));
      }
    }
  }
  return out;
}

function validateQuantities(list: unknown, field: string): StatusCause[] {
  if (list === undefined || list === null) return [];
  if (typeof list !== 'object' || Array.isArray(list)) return [cause('FieldValueInvalid', field, 'Invalid value: must be a map of quantities')];
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(list)) {
    try {
      parseQuantityExact(v);
    } catch (e) {
      out.push(cause('FieldValueInvalid', `${field}[${k}]`, `Invalid value: ${JSON.stringify(v)}: ${(e as QuantityError).reason}`));
    }
  }
  return out;
}

function defaultRequests(c: any): void {
  const limits = c?.resources?.limits;
  if (!limits || typeof limits !== 'object') return;
  c.resources.requests = { ...limits, ...(c.resources.requests ?? {}) };
}

export const PODS: ResourceDef = {
  resource: 'pods',
  group: '',
  kind: 'Pod',
  listKind: 'PodList',
  apiVersion: 'v1',
  namespaced: true,
  hasStatus: true,
  fieldGetters: {
    'metadata.name': (p) => p.metadata?.name,
    'metadata.namespace': (p) => p.metadata?.namespace,
    'spec.nodeName': (p) => p.spec?.nodeName,
    'spec.restartPolicy': (p) => p.spec?.restartPolicy,
    'spec.schedulerName': (p) => p.spec?.schedulerName,
    'spec.serviceAccountName': (p) => p.spec?.serviceAccountName,
    'status.phase': (p) => p.status?.phase,
    'status.podIP': (p) => p.status?.podIP,
    'status.nominatedNodeName': (p) => p.status?.nominatedNodeName,
  },
  defaultOnCreate(pod) {
    for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) defaultRequests(c);
    pod.status = { phase: 'Pending', ...(pod.status ?? {}) };
    try {
      pod.status.qosClass = computePodQosClass(pod);
    } catch {
      // validate() reports the bad quantity
    }
  },
  validate(pod) {
    const out = validateMeta(pod);
    const containers = pod?.spec?.containers;
    if (!Array.isArray(containers) || containers.length === 0) out.push(cause('FieldValueRequired', 'spec.containers', 'Required value'));
    for (const [list, field] of [[containers, 'spec.containers'], [pod?.spec?.initContainers, 'spec.initContainers']] as const) {
      if (list !== undefined && !Array.isArray(list)) out.push(cause('FieldValueInvalid', field, 'Invalid value: must be a list'));
      if (!Array.isArray(list)) continue;
      list.forEach((c: any, i: number) => {
        if (typeof c?.name !== 'string' || c.name === '') out.push(cause('FieldValueRequired', `${field}[${i}].name`, 'Required value'));
        out.push(...validateQuantities(c?.resources?.requests, `${field}[${i}].resources.requests`));
        out.push(...validateQuantities(c?.resources?.limits, `${field}[${i}].resources.limits`));
      });
    }
    out.push(...validateQuantities(pod?.spec?.overhead, 'spec.overhead'));
    return out;
  },
  canonicalize(pod) {
    for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
      canonicalList(c?.resources?.requests);
      canonicalList(c?.resources?.limits);
    }
    canonicalList(pod.spec?.overhead);
  },
};

export const NODES: ResourceDef = {
  resource: 'nodes',
  group: '',
  kind: 'Node',
  listKind: 'NodeList',
  apiVersion: 'v1',
  namespaced: false,
  hasStatus: true,
  fieldGetters: { 'metadata.name': (n) => n.metadata?.name, 'spec.unschedulable': (n) => String(n.spec?.unschedulable ?? false) },
  defaultOnCreate(node) {
    node.spec ??= {};
    node.status ??= {};
  },
  validate(node) {
    return [
      ...validateMeta(node),
      ...validateQuantities(node?.status?.capacity, 'status.capacity'),
      ...validateQuantities(node?.status?.allocatable, 'status.allocatable'),
    ];
  },
  canonicalize(node) {
    canonicalList(node.status?.capacity);
    canonicalList(node.status?.allocatable);
  },
};

export const CORE_EVENTS: ResourceDef = {
  resource: 'events',
  group: '',
  kind: 'Event',
  listKind: 'EventList',
  apiVersion: 'v1',
  namespaced: true,
  hasStatus: false,
  fieldGetters: {
    'metadata.name': (e) => e.metadata?.name,
    'metadata.namespace': (e) => e.metadata?.namespace,
    'involvedObject.kind': (e) => e.involvedObject?.kind,
    'involvedObject.name': (e) => e.involvedObject?.name,
    'involvedObject.namespace': (e) => e.involvedObject?.namespace,
    'involvedObject.uid': (e) => e.involvedObject?.uid,
    reason: (e) => e.reason,
    type: (e) => e.type,
  },
  validate(ev) {
    const out = validateMeta(ev);
    const ns = ev?.involvedObject?.namespace;
    if (ns !== undefined && ns !== '' && ns !== ev.metadata?.namespace) {
      out.push(cause('FieldValueInvalid', 'involvedObject.namespace', `Invalid value: ${JSON.stringify(ns)}: does not match event.namespace`));
    }
    return out;
  },
};

export const EVENTS_V1: ResourceDef = {
  ...CORE_EVENTS,
  group: 'events.k8s.io',
  apiVersion: 'events.k8s.io/v1',
  fieldGetters: {
    'metadata.name': (e) => e.metadata?.name,
    'metadata.namespace': (e) => e.metadata?.namespace,
    'regarding.name': (e) => e.regarding?.name,
    'regarding.uid': (e) => e.regarding?.uid,
    reason: (e) => e.reason,
    type: (e) => e.type,
  },
  validate(ev) {
    const out = validateMeta(ev);
    for (const f of ['eventTime', 'reportingController', 'reportingInstance', 'action', 'reason']) {
      if (ev?.[f] === undefined || ev?.[f] === null || ev?.[f] === '') out.push(cause('FieldValueRequired', f, 'Required value'));
    }
    return out;
  },
};

/** Storage key of a resource (group-qualified, so core and events.k8s.io events stay apart). */
export const storeKey = (def: ResourceRef): string => (def.group ? `${def.resource}.${def.group}` : def.resource);
