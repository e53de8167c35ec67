import type { CgroupStatsReply, EnclaveOpReply } from './api-replies.js';
import { qs, UnixJsonClient } from './unix-json-client.js';

/** What a slot sees of itself (`GET /v1/slots/:slot`). */
export interface SlotInfo {
  slot: string;
  cgroup: string;
  stats: CgroupStatsReply;
  enclaves: Array<{ name: string; cgroup: string; pages: number; resident: number }>;
}

/**
 * Typed client of a slot's enclave socket as a pod uses it. The socket is the pod's identity (the
 * controller knows the slot from it); `slot`, when given, is sent as an assertion and the
 * controller refuses every call with EPERM if it is not the socket's slot. Failures reject with
 * `ControllerApiError` (code EPERM for an unbound or foreign slot, EBUSY/ENOMEM for faults, whose
 * `body` holds the partial `done` and costs).
 */
export class EnclaveClient {
  private readonly http: UnixJsonClient;
  constructor(socketPath: string, readonly slot?: string, opts: { timeoutMs?: number } = {}) {
    this.http = new UnixJsonClient(socketPath, opts.timeoutMs);
  }
  /** The caller's own slot, cgroup, counters and enclaves (nothing of other slots). */
  self(): Promise<SlotInfo> {
    return this.http.call('GET', this.slot === undefined ? '/v1/self' : `/v1/slots/${encodeURIComponent(this.slot)}`);
  }
  create(opts: { name?: string; bare?: boolean } = {}): Promise<EnclaveOpReply> {
    return this.http.call('POST', '/v1/enclaves', { ...this.claim(), ...opts });
  }
  info(enclave: string): Promise<{ enclave: string; cgroup: string; pages: number; resident: number }> {
    return this.http.call('GET', `/v1/enclaves/${encodeURIComponent(enclave)}${qs({ slot: this.slot })}`);
  }
  add(enclave: string, pages: number): Promise<EnclaveOpReply> {
    return this.op(enclave, 'add', { pages });
  }
  init(enclave: string): Promise<EnclaveOpReply> {
    return this.op(enclave, 'init', {});
  }
  aug(enclave: string, pages: number): Promise<EnclaveOpReply> {
    return this.op(enclave, 'aug', { pages });
  }
  /** Touches page ranges (inclusive, in add order). */
  access(enclave: string, ranges: Array<[number, number]>): Promise<EnclaveOpReply> {
    return this.op(enclave, 'access', ranges.length === 1 ? { range: ranges[0] } : { ranges });
  }
  destroy(enclave: string): Promise<EnclaveOpReply> {
    return this.op(enclave, 'destroy', {});
  }
  close(): void {
    this.http.close();
  }
  private claim(): { slot?: string } {
    return this.slot === undefined ? {} : { slot: this.slot };
  }
  private op(enclave: string, op: string, body: Record<string, unknown>): Promise<EnclaveOpReply> {
    return this.http.call('POST', `/v1/enclaves/${encodeURIComponent(enclave)}/${op}`, { ...this.claim(), ...body });
  }
}
