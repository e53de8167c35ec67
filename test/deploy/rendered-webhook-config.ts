/** The webhook configuration a rendered chart or kustomize variant ships: its ConfigMap's webhook.yaml, resolved as the webhook resolves it. */
import { parse as parseYaml } from 'yaml';
import { parseWebhookConfigFile, resolveWebhookConfig, type WebhookConfig } from '../../src/webhook/index.js';
import { all, type K8sObject } from './render.js';

export function renderedWebhookConfig(objs: K8sObject[]): WebhookConfig {
  const cm = all(objs, 'ConfigMap').find((o) => o.metadata.name.endsWith('-webhook') && o.data?.['webhook.yaml'])!;
  return resolveWebhookConfig(parseWebhookConfigFile(parseYaml(cm.data['webhook.yaml']), 'webhook.yaml'));
}
