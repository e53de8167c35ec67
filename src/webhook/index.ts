/**
 * The admission enforcer (`epc webhook`). Public API:
 *   - startWebhookServer(opts) / WebhookServer: HTTPS + metrics listeners, cert hot reload;
 *   - createWebhookApp({config, metrics?}): the express app alone;
 *   - handleAdmission(endpoint, body, config, offers?): the pure decision for one AdmissionReview;
 *   - reviewPodCreate / reviewPodUpdate / buildPodPatch: the rules and the mutation;
 *   - NodeOfferWatch / enclaveGate: the enclave request only while some Node offers it;
 *   - enforcedAffinityPatch: required node affinity for pods that require enforcement;
 *   - resolveWebhookConfig / loadWebhookConfigFile: configuration;
 *   (quantities and a pod's effective EPC: src/pod, shared with the agent).
 *
 * Opt-out semantics: `admissions.enforcer/disabled: "true"` is the annotation AKS reads on
 * *webhook configurations* (so that AKS does not rewrite their namespaceSelector); deploy leaves it
 * off by default (chart aks.admissionsEnforcerOptOut). On a pod it exempts nothing - otherwise any pod could bypass the enforcer - and a pod
 * that uses SGX and carries it gets a warning saying so. Exempt workloads with an excluded
 * namespace (config `excludedNamespaces` and the webhook's namespaceSelector).
 */
export * from './admission-handler.js';
export * from './admission-review.js';
export * from './config.js';
export * from './enforced-affinity.js';
export * from './hostpath-match.js';
export * from './hostpath-resolve.js';
export * from './json-body.js';
export * from './mutate-pod.js';
export * from './node-offer-watch.js';
export * from './node-offers.js';
export * from './review-pod.js';
export * from './tls-reloader.js';
export * from './webhook-app.js';
export * from './webhook-metrics.js';
export * from './webhook-server.js';
