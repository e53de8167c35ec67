import { HEALTHY, type Device } from '../../contracts/device-plugin-api.js';
import type { PluginEndpoint } from './plugin-endpoint.js';

/** Kubelet's view of one extended resource served by device plugins. */
export class ResourceState {
  /** Device ID -> health, from the active endpoint's last ListAndWatch message. */
  devices = new Map<string, string>();
  /** The endpoint admission talks to; undefined until registered or after its stream ended. */
  active: PluginEndpoint | undefined;
  /** Older endpoints whose streams are still open (rolling update): promoted if the active one ends. */
  standby: PluginEndpoint[] = [];
  /** Last list per endpoint, so a promoted standby brings its devices. */
  readonly lists = new Map<PluginEndpoint, Device[]>();
  registrations = 0;

  constructor(readonly name: string) {}

  /** Replaces the device list (each message replaces the whole list). */
  setDevices(devices: readonly Device[]): void {
    this.devices = new Map(devices.map((d) => [d.ID, d.health]));
  }

  /** Every device Unhealthy: what kubelet does when the stream ends or on its restart. */
  markAllUnhealthy(): void {
    for (const id of this.devices.keys()) this.devices.set(id, 'Unhealthy');
  }

  healthyIds(): string[] {
    return [...this.devices].filter(([, h]) => h === HEALTHY).map(([id]) => id);
  }

  /** Capacity = all devices; allocatable = healthy ones. */
  snapshot(): ResourceSnapshot {
    return {
      name: this.name,
      capacity: this.devices.size,
      allocatable: this.active ? this.healthyIds().length : 0,
      endpoint: this.active?.socketPath,
      options: this.active ? { ...this.active.options } : undefined,
      registrations: this.registrations,
    };
  }
}

/** What `KubeletEmulator.resource(name)` reports. */
export interface ResourceSnapshot {
  name: string;
  capacity: number;
  allocatable: number;
  endpoint: string | undefined;
  options: { pre_start_required: boolean; get_preferred_allocation_available: boolean } | undefined;
  registrations: number;
}
