/** `epc webhook` flags, env and config-file text -> frozen config (pure, no process): every bad value names its flag, the file's its file and field. */
import { describe, expect, it } from 'vitest';
import { buildCertBootstrapConfig } from '../../src/webhook/cert-bootstrap-flags.js';
import { defaultWebhookConfig } from '../../src/webhook/config.js';
import { buildWebhookConfig, readWebhookConfigFile, WEBHOOK_DEFAULTS, type WebhookFlags } from '../../src/webhook/webhook-cli-config.js';
import { expectConfigError, expectDeepFrozen } from '../helpers/config-builder.js';

const FLAGS: WebhookFlags = { ...WEBHOOK_DEFAULTS, tlsCert: '/tls/tls.crt', tlsKey: '/tls/tls.key' };
const FILE = { path: '/etc/epc/webhook.yaml', text: 'policy: strict\nexcludedNamespaces: [kube-system, epc-system]\ncontrollerSocketDirs: [/srv/epc]\nmaxPodEpc: 128Mi\n' };

describe('buildWebhookConfig', () => {
  it('defaults: the review rules\' defaults, auto enclave request, no file read', () => {
    const cfg = buildWebhookConfig(FLAGS, {});
    expect(cfg).toEqual({
      host: '0.0.0.0', port: 8443, metricsPort: 9090, tlsCertFile: '/tls/tls.crt', tlsKeyFile: '/tls/tls.key', tlsPollIntervalMs: 2000,
      enclaveRequest: 'auto', kube: { file: undefined, env: {} }, review: defaultWebhookConfig(),
    });
  });

  it('defaults <- file <- flags, and the env the Node watch reads (only that)', () => {
    const cfg = buildWebhookConfig(
      { ...FLAGS, config: FILE.path, policy: 'default', maxPodEpc: '64Mi', port: '0', enclaveRequest: 'always', kubeconfig: '/k/config' },
      { KUBECONFIG: '/env/kc', HOME: '/home/u', SECRET_TOKEN: 'x' },
      FILE,
    );
    expect(cfg.review.policy).toBe('default'); // flag over file
    expect(cfg.review.maxPodEpcBytes).toBe(64n * 1024n * 1024n); // flag over file
    expect(cfg.review.excludedNamespaces).toEqual(['kube-system', 'epc-system']); // file
    expect(cfg.review.controllerSocketDirs).toEqual(['/srv/epc']); // file
    expect(cfg.port).toBe(0);
    expect(cfg.enclaveRequest).toBe('always');
    expect(cfg.kube).toEqual({ file: '/k/config', env: { KUBECONFIG: '/env/kc', HOME: '/home/u' } });
  });

  it('is frozen, the review rules\' lists included', () => {
    const cfg = buildWebhookConfig({ ...FLAGS, config: FILE.path }, { HOME: '/h' }, FILE);
    expectDeepFrozen(cfg);
    expect(() => (cfg.review.excludedNamespaces as string[]).push('tenant')).toThrow(TypeError);
  });

  it.each([
    ['--tls-cert', { tlsCert: undefined }, /required option '--tls-cert <file>' not specified/],
    ['--tls-key', { tlsKey: undefined }, /required option '--tls-key <file>' not specified/],
    ['--tls-cert', { tlsCert: ' ' }, /--tls-cert must not be empty/],
    ['--host', { host: '' }, /--host must not be empty/],
    ['--port', { port: '99999' }, /--port: must be a port number 0-65535, got "99999"/],
    ['--metrics-port', { metricsPort: '-1' }, /--metrics-port: must be a port number/],
    ['--tls-poll-interval', { tlsPollInterval: '5' }, /--tls-poll-interval must be >= 10, got 5/],
    ['--enclave-request', { enclaveRequest: 'never' }, /--enclave-request must be one of auto, always, got "never"/],
    ['--policy', { policy: 'lenient' }, /--policy must be one of default, strict, got "lenient"/],
    ['--max-pod-epc', { maxPodEpc: '0' }, /--max-pod-epc: quantity "0" is zero/],
    ['--max-pod-epc', { maxPodEpc: 'ten megs' }, /--max-pod-epc: quantity "ten megs" is not a valid quantity/],
    ['--exclude-namespace', { excludeNamespace: ['kube-system', 'Bad_NS'] }, /--exclude-namespace \("Bad_NS"\): must be a DNS label/],
    ['--kubeconfig', { kubeconfig: '' }, /--kubeconfig must not be empty/],
    ['--config', { config: '/not/read.yaml' }, /--config \/not\/read\.yaml: not read/],
  ] as Array<[string, Partial<WebhookFlags>, RegExp]>)('%s: %j is a ConfigError naming it', (flag, bad, msg) => {
    expectConfigError(() => buildWebhookConfig({ ...FLAGS, ...bad }, {}), flag, msg);
  });

  it.each([
    ['an unknown field', 'maxPodEPC: 10Mi\n', /bad configuration: \/c\/w\.yaml: maxPodEPC: Unrecognized key/],
    ['a bad quantity', 'maxPodEpc: ten megs\n', /bad configuration: \/c\/w\.yaml: maxPodEpc: quantity "ten megs" is not a valid quantity/],
    ['a relative socket dir', 'controllerSocketDirs: [var/run/epc]\n', /bad configuration: \/c\/w\.yaml: controllerSocketDirs\.0: must be an absolute path/],
    ['a bad namespace', 'excludedNamespaces: [Kube]\n', /bad configuration: \/c\/w\.yaml: excludedNamespaces\.0: must be a DNS label/],
    ['not YAML', 'policy: [\n', /bad configuration: \/c\/w\.yaml: not valid YAML\/JSON/],
  ])('a config file with %s is a ConfigError for --config naming the file and field', (_, text, msg) => {
    expectConfigError(() => buildWebhookConfig({ ...FLAGS, config: '/c/w.yaml' }, {}, { path: '/c/w.yaml', text }), '--config', msg);
  });

  it('readWebhookConfigFile: nothing without --config; a missing file is a ConfigError naming it', async () => {
    expect(await readWebhookConfigFile(undefined)).toBeUndefined();
    const err = await readWebhookConfigFile('/nonexistent/webhook.yaml').catch((e: unknown) => e);
    expectConfigError(() => {
      throw err;
    }, '--config', /\/nonexistent\/webhook\.yaml: cannot read/);
  });
});

describe('buildCertBootstrapConfig', () => {
  const ALL = { namespace: 'epc-system', secret: 's', service: 'svc', webhookConfiguration: 'wc', outDir: '/tls' };
  it('takes every flag; the parent\'s --kubeconfig counts, the subcommand\'s own wins', () => {
    expect(buildCertBootstrapConfig(ALL)).toEqual({ namespace: 'epc-system', secret: 's', service: 'svc', 'webhook-configuration': 'wc', 'out-dir': '/tls' });
    expect(buildCertBootstrapConfig(ALL, '/parent/kc').kubeconfig).toBe('/parent/kc');
    expect(buildCertBootstrapConfig({ ...ALL, kubeconfig: '/own/kc' }, '/parent/kc').kubeconfig).toBe('/own/kc');
    expectDeepFrozen(buildCertBootstrapConfig(ALL));
  });
  it('a missing or blank flag is a ConfigError naming the first and listing every one', () => {
    expectConfigError(() => buildCertBootstrapConfig({ namespace: 'epc-system', service: ' ' }), '--secret', /^cert-bootstrap: missing --secret, --service, --webhook-configuration, --out-dir$/);
    expectConfigError(() => buildCertBootstrapConfig(ALL, ''), '--kubeconfig', /--kubeconfig must not be empty/);
  });
});
