/**
 * The kubeconfig the double hands to clients: plain HTTP on loopback (client-node requires
 * `insecure-skip-tls-verify` for an http:// server) and a bearer token, namespace default.
 */
export function kubeconfigText(server: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: epc-double',
    '  cluster:',
    `    server: ${server}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: epc-double',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: epc-double',
    '  context:',
    '    cluster: epc-double',
    '    user: epc-double',
    '    namespace: default',
    'current-context: epc-double',
    '',
  ].join('\n');
}
