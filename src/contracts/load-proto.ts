import { loadPackageDefinition, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';

/**
 * proto-loader options shared by every proto of this package: field names exactly as in the
 * .proto (`devices_ids`, `available_deviceIDs`), int64 as JS numbers, defaults filled in so
 * repeated fields are always arrays and strings never undefined.
 */
const LOADER_OPTIONS = { keepCase: true, longs: Number, enums: String, defaults: true, arrays: true, objects: false, oneofs: true } as const;

const cache = new Map<string, GrpcObject>();

/**
 * Loads a `.proto` shipped in this package (path relative to the package root, so it works from
 * `src/` and `dist/`) and returns the gRPC package object named `pkg`. Cached per file.
 */
export function loadGrpcPackage(relativeProtoPath: string, pkg: string): GrpcObject {
  const key = `${relativeProtoPath}#${pkg}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const def = loadSync(join(packageRoot(), relativeProtoPath), LOADER_OPTIONS);
  const obj = loadPackageDefinition(def)[pkg] as GrpcObject | undefined;
  if (!obj) throw new Error(`package ${pkg} not found in ${relativeProtoPath}`);
  cache.set(key, obj);
  return obj;
}

/** The `DevicePlugin` and `Registration` service constructors of device plugin API v1beta1. */
export function devicePluginServices(): { DevicePlugin: ServiceClientConstructor; Registration: ServiceClientConstructor } {
  const pkg = loadGrpcPackage('src/contracts/proto/deviceplugin-v1beta1.proto', 'v1beta1');
  return { DevicePlugin: pkg.DevicePlugin as ServiceClientConstructor, Registration: pkg.Registration as ServiceClientConstructor };
}
