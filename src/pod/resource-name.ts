/** Extended resource names (`domain/name`, apimachinery IsQualifiedName with a domain prefix). */

const RESOURCE_NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * Why `name` cannot be an extended resource name (not `domain/name`, longer than 253, or in a
 * reserved namespace), or undefined when it can. The device plugins, the webhook's config and
 * the agent's flags all check names with it.
 */
export function validateResourceName(name: string): string | undefined {
  if (!RESOURCE_NAME_RE.test(name) || name.length > 253) {
    return `resource name ${JSON.stringify(name)} must look like domain/name (e.g. sgx.intel.com/enclave)`;
  }
  if (name.startsWith('kubernetes.io/') || name.startsWith('requests.')) return `resource name ${JSON.stringify(name)} is reserved`;
  return undefined;
}
