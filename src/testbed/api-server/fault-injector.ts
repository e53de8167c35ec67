/** Canned failures for the double, so tests can drive clients through API errors on purpose. */
import { ApiError } from './api-status.js';

/** A canned failure for matching requests (see `injectFault`). */
export interface Fault {
  /** HTTP status to answer with (e.g. 500, 503, 429). */
  code: number;
  method?: string;
  /** Matches when the request path starts with this. */
  pathPrefix?: string;
  /** Only watch requests (true) or only non-watch requests (false). */
  watch?: boolean;
  /** How many requests fail; default 1. */
  times?: number;
}

/** Holds pending faults; `check` throws the ApiError of the first one matching a request. */
export class FaultInjector {
  private readonly faults: Array<Fault & { times: number }> = [];

  add(fault: Fault): void {
    this.faults.push({ ...fault, times: fault.times ?? 1 });
  }

  check(method: string, path: string, isWatch: boolean): void {
    const i = this.faults.findIndex(
      (f) => (f.method === undefined || f.method === method) && (f.pathPrefix === undefined || path.startsWith(f.pathPrefix)) && (f.watch === undefined || f.watch === isWatch),
    );
    if (i < 0) return;
    const f = this.faults[i];
    if (--f.times <= 0) this.faults.splice(i, 1);
    throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `injected fault ${f.code}`, reason: f.code >= 500 ? 'InternalError' : 'BadRequest', code: f.code });
  }
}
