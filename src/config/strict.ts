/**
 * kubeadm's strict decoding of its config documents, per apiVersion (cmd/kubeadm/app/util/config/strict,
 * VerifyUnmarshalStrict; the field sets are cmd/kubeadm/app/apis/kubeadm/v1beta3 and v1beta4 types.go).
 * kubeadm reports every unknown field and then ignores it (the error is only a warning); kubecerts does the same,
 * and a field that exists only in v1beta4 (certificateValidityPeriod, encryptionAlgorithm, ...) is unknown, so
 * ignored, in a v1beta3 document. Pure.
 */

/** A field schema: `true` = any value, `'map'` = free-form mapping, an object = known sub-fields, `[x]` = list of x. */
type Schema = true | 'map' | { readonly [field: string]: Schema } | readonly [Schema];

const ANY = true as const;
const META = { apiVersion: ANY, kind: ANY } as const;
const ENDPOINT = { advertiseAddress: ANY, bindPort: ANY } as const;
const VOLUME = { name: ANY, hostPath: ANY, mountPath: ANY, readOnly: ANY, pathType: ANY } as const;
const TAINT = { key: ANY, value: ANY, effect: ANY, timeAdded: ANY } as const;
const TOKEN = { token: ANY, description: ANY, ttl: ANY, expires: ANY, usages: [ANY], groups: [ANY] } as const;
const ENV = { name: ANY, value: ANY, valueFrom: 'map' } as const;
const ARG = { name: ANY, value: ANY } as const;
const EXTERNAL_ETCD = { endpoints: [ANY], caFile: ANY, certFile: ANY, keyFile: ANY } as const;
const NETWORKING = { serviceSubnet: ANY, podSubnet: ANY, dnsDomain: ANY } as const;

const V1BETA3_CONTROL_PLANE = { extraArgs: 'map', extraVolumes: [VOLUME] } as const;
const V1BETA4_CONTROL_PLANE = { extraArgs: [ARG], extraVolumes: [VOLUME], extraEnvs: [ENV] } as const;

const SCHEMAS: Readonly<Record<string, Readonly<Record<string, Schema>>>> = {
  'kubeadm.k8s.io/v1beta3': {
    InitConfiguration: {
      ...META,
      bootstrapTokens: [TOKEN],
      nodeRegistration: { name: ANY, criSocket: ANY, taints: [TAINT], kubeletExtraArgs: 'map', ignorePreflightErrors: [ANY], imagePullPolicy: ANY },
      localAPIEndpoint: ENDPOINT,
      certificateKey: ANY,
      skipPhases: [ANY],
      patches: { directory: ANY },
    },
    ClusterConfiguration: {
      ...META,
      etcd: {
        local: { imageRepository: ANY, imageTag: ANY, dataDir: ANY, extraArgs: 'map', serverCertSANs: [ANY], peerCertSANs: [ANY] },
        external: EXTERNAL_ETCD,
      },
      networking: NETWORKING,
      kubernetesVersion: ANY,
      controlPlaneEndpoint: ANY,
      apiServer: { ...V1BETA3_CONTROL_PLANE, certSANs: [ANY], timeoutForControlPlane: ANY },
      controllerManager: V1BETA3_CONTROL_PLANE,
      scheduler: V1BETA3_CONTROL_PLANE,
      dns: { imageRepository: ANY, imageTag: ANY },
      certificatesDir: ANY,
      imageRepository: ANY,
      featureGates: 'map',
      clusterName: ANY,
    },
  },
  'kubeadm.k8s.io/v1beta4': {
    InitConfiguration: {
      ...META,
      bootstrapTokens: [TOKEN],
      dryRun: ANY,
      nodeRegistration: {
        name: ANY, criSocket: ANY, taints: [TAINT], kubeletExtraArgs: [ARG], ignorePreflightErrors: [ANY], imagePullPolicy: ANY, imagePullSerial: ANY,
      },
      localAPIEndpoint: ENDPOINT,
      certificateKey: ANY,
      skipPhases: [ANY],
      patches: { directory: ANY },
      timeouts: {
        controlPlaneComponentHealthCheck: ANY, kubeletHealthCheck: ANY, kubernetesAPICall: ANY, etcdAPICall: ANY, tlsBootstrap: ANY, discovery: ANY, upgradeManifests: ANY,
      },
    },
    ClusterConfiguration: {
      ...META,
      etcd: {
        local: { imageRepository: ANY, imageTag: ANY, dataDir: ANY, extraArgs: [ARG], extraEnvs: [ENV], serverCertSANs: [ANY], peerCertSANs: [ANY] },
        external: EXTERNAL_ETCD,
      },
      networking: NETWORKING,
      kubernetesVersion: ANY,
      controlPlaneEndpoint: ANY,
      apiServer: { ...V1BETA4_CONTROL_PLANE, certSANs: [ANY] },
      controllerManager: V1BETA4_CONTROL_PLANE,
      scheduler: V1BETA4_CONTROL_PLANE,
      dns: { imageRepository: ANY, imageTag: ANY, disabled: ANY },
      proxy: { disabled: ANY },
      certificatesDir: ANY,
      imageRepository: ANY,
      featureGates: 'map',
      clusterName: ANY,
      encryptionAlgorithm: ANY,
      certificateValidityPeriod: ANY,
      caCertificateValidityPeriod: ANY,
    },
  },
};

function unknownFields(value: unknown, schema: Schema, path: string, out: string[]): void {
  if (schema === true || schema === 'map' || value === null || typeof value !== 'object') return;
  if (Array.isArray(schema)) {
    if (Array.isArray(value)) for (const v of value) unknownFields(v, schema[0], path, out);
    return;
  }
  if (Array.isArray(value)) return;
  const known = schema as Readonly<Record<string, Schema>>;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const p = path ? `${path}.${k}` : k;
    const sub = Object.hasOwn(known, k) ? known[k] : undefined;
    if (sub === undefined) out.push(p);
    else unknownFields(v, sub, p, out);
  }
}

/** The Go spelling of a GroupVersionKind, as kubeadm's `%#v` prints it. */
function goGvk(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  return `schema.GroupVersionKind{Group:"${group}", Version:"${version ?? ''}", Kind:"${kind}"}`;
}

/**
 * The dotted paths of the fields of `doc` that its apiVersion/kind does not define (empty when all are known or
 * kubecerts has no schema for that kind).
 */
export function unknownConfigFields(apiVersion: string, kind: string, doc: Record<string, unknown>): string[] {
  const schema = SCHEMAS[apiVersion]?.[kind];
  if (!schema) return [];
  const out: string[] = [];
  unknownFields(doc, schema, '', out);
  return out;
}

/**
 * kubeadm's warning for a document with unknown fields, or undefined when there are none:
 * `error unmarshaling configuration schema.GroupVersionKind{...}: strict decoding error: unknown field "a", unknown field "b"`.
 */
export function strictDecodingWarning(apiVersion: string, kind: string, doc: Record<string, unknown>): string | undefined {
  const unknown = unknownConfigFields(apiVersion, kind, doc);
  if (unknown.length === 0) return undefined;
  return `error unmarshaling configuration ${goGvk(apiVersion, kind)}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`;
}

/** Removes the fields `unknownConfigFields` reports, so that they are ignored as kubeadm ignores them. */
export function withoutUnknownFields(apiVersion: string, kind: string, doc: Record<string, unknown>): Record<string, unknown> {
  const schema = SCHEMAS[apiVersion]?.[kind];
  if (!schema) return doc;
  return prune(doc, schema) as Record<string, unknown>;
}

function prune(value: unknown, schema: Schema): unknown {
  if (schema === true || schema === 'map' || value === null || typeof value !== 'object') return value;
  if (Array.isArray(schema)) return Array.isArray(value) ? value.map((v) => prune(v, schema[0])) : value;
  if (Array.isArray(value)) return value;
  const known = schema as Readonly<Record<string, Schema>>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const sub = Object.hasOwn(known, k) ? known[k] : undefined;
    if (sub !== undefined) out[k] = prune(v, sub);
  }
  return out;
}
