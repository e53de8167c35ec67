/** Apart from cert-bootstrap.ts so the CLI declares the flags without loading client-node. */
/** The flags of `epc webhook cert-bootstrap` (the manifests pass exactly these): name -> help. */
export const CERT_BOOTSTRAP_FLAGS = {
  namespace: 'namespace of the webhook Service and Secret',
  secret: 'name of the kubernetes.io/tls Secret holding the CA and serving certificate',
  service: 'the webhook Service (the certificate is for SERVICE.NAMESPACE.svc)',
  'webhook-configuration': 'name of the Mutating and Validating webhook configurations whose caBundle is set',
  'out-dir': 'where tls.crt, tls.key and ca.crt are written (the webhook container reads them)',
  kubeconfig: 'kubeconfig of the API server (default: in-cluster config)',
} as const;
