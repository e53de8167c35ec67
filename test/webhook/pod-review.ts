/** The AdmissionReview (v1) the API server sends for a Pod CREATE in `namespace`: the webhook tests' request envelope. */
export function podReview(object: unknown, namespace = 'team-a') {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u', kind: { group: '', version: 'v1', kind: 'Pod' }, namespace, operation: 'CREATE', object } };
}
