/**
 * Pending re-registration requests, and when a registration that was in flight already covers them.
 *
 * States of the registration loop (DevicePlugin.runLoop), for one plugin:
 *   idle        - nothing pending; a request starts the loop.
 *   serving     - (re)listening on our own socket if it is gone.
 *   in flight   - Register sent. Just before sending, the loop records what it registers:
 *                 K = kubelet.sock identity (inode:ctime) and O = our socket's identity. It does not
 *                 dial a missing kubelet.sock (K undefined): that attempt fails and backs off.
 *   done        - Register answered OK. Requests that arrived since the attempt began are pending.
 *
 * Requests come from the directory watcher ('own-socket-deleted', 'new-kubelet-socket': signs of
 * a kubelet restart), from kubelet ending the ListAndWatch stream of the latest registration
 * ('stream-ended'), from start, and from a failed attempt (retry). A watcher request says only
 * "the directory changed"; the directory itself says what registration it needs. So at 'done':
 *   - pending holds only watcher requests, kubelet.sock still has identity K and our socket still
 *     has identity O  =>  covered: the kubelet we registered with is the newest one and the socket
 *     we registered is still served; the change the watcher saw happened before the attempt
 *     recorded K and O (typically: one restart reported as both "own socket deleted" and "new
 *     kubelet.sock", the second while the first's Register was in flight). Drop it: a second
 *     Register would make kubelet replace the endpoint and stop the one a pod admission may be
 *     using (UnexpectedAdmissionError on a real node).
 *   - kubelet.sock now has another identity or is gone, or our socket was deleted or replaced
 *     after O was recorded  =>  a genuine restart during the attempt: register again (kubelet
 *     restarting twice quickly still ends registered with the newest kubelet).
 *   - pending holds a non-watcher request (stream-ended, retry)  =>  register again: the
 *     directory says nothing about those.
 * Conservative corner: if kubelet.sock is replaced between recording K and the dial, the Register
 * reaches the new kubelet but K names the old one, so the loop registers once more (a redundant
 * Register, never a lost one).
 */
export interface ResyncRequest {
  /** The latest reason, for the 'registered' event and logs. */
  reason: string;
  /** True while every merged request came from the directory watcher. */
  watcherOnly: boolean;
}

export const WATCHER_REASONS: ReadonlySet<string> = new Set(['own-socket-deleted', 'new-kubelet-socket']);

/** Folds a new request into the pending one (or starts one). */
export function mergeRequest(pending: ResyncRequest | undefined, reason: string): ResyncRequest {
  const watcher = WATCHER_REASONS.has(reason);
  return { reason, watcherOnly: (pending?.watcherOnly ?? true) && watcher };
}

/** What one successful attempt registered (identities recorded just before Register). */
export interface RegisteredAt {
  kubeletId: string | undefined;
  ownId: string | undefined;
}

/** True if the attempt that just succeeded already covers `pending` (see the states above). */
export function coveredBy(pending: ResyncRequest, registered: RegisteredAt, now: RegisteredAt): boolean {
  if (!pending.watcherOnly) return false;
  if (registered.kubeletId === undefined || registered.ownId === undefined) return false;
  return now.kubeletId === registered.kubeletId && now.ownId === registered.ownId;
}
