/** Turns kubeadm config documents plus flags into a RunConfig. Pure apart from the injected host facts. */
import * as yaml from 'js-yaml';
import { parseDuration } from '../lib/duration.js';
import { ConfigError } from '../errors.js';
import { canonicalIp, cidrAddress, isDnsSubdomain, splitHostPort } from '../lib/net.js';
import { strictDecodingWarning, withoutUnknownFields } from './strict.js';
import { DEFAULTS, ENCRYPTION_ALGORITHMS, type EncryptionAlgorithm, type RunConfig } from './types.js';

/** Flags that override the config file. Undefined means "not given". */
export interface ConfigFlags {
  certDir?: string | undefined;
  kubeconfigDir?: string | undefined;
  advertiseAddress?: string | undefined;
  bindPort?: number | undefined;
  controlPlaneEndpoint?: string | undefined;
  certExtraSans?: readonly string[] | undefined;
  serviceCidr?: string | undefined;
  serviceDnsDomain?: string | undefined;
  nodeName?: string | undefined;
  encryptionAlgorithm?: string | undefined;
  clusterName?: string | undefined;
}

export interface HostFacts {
  readonly hostname: string;
  readonly defaultAddress: string;
}

const KUBEADM_VERSIONS = ['kubeadm.k8s.io/v1beta3', 'kubeadm.k8s.io/v1beta4'];
const KUBEADM_KINDS = ['InitConfiguration', 'ClusterConfiguration', 'JoinConfiguration', 'ResetConfiguration', 'UpgradeConfiguration'];
/** Component configs kubeadm accepts in the same file; kubecerts has no use for them. */
const COMPONENT_GROUPS = ['kubelet.config.k8s.io/', 'kubeproxy.config.k8s.io/'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ConfigDocuments {
  init?: Obj;
  cluster?: Obj;
  apiVersion?: string;
  /** kubeadm's non-fatal findings about the file (strict decoding, validity periods), in file order */
  warnings?: string[];
}

/** Parses a multi-document kubeadm config. `path` is only for messages. */
export function parseConfigDocuments(text: string, path: string): ConfigDocuments {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text, undefined, { json: false });
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ConfigError('CONFIG_YAML', `failed to parse config file "${path}": ${reason}`);
  }
  const out: ConfigDocuments = { warnings: [] };
  for (const raw of docs) {
    if (raw === null || raw === undefined) continue;
    if (!isObj(raw)) throw new ConfigError('CONFIG_SHAPE', `invalid config file "${path}": a document is not a mapping`);
    let doc: Obj = raw;
    const apiVersion = doc['apiVersion'];
    const kind = doc['kind'];
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      throw new ConfigError('CONFIG_SHAPE', `invalid config file "${path}": every document needs apiVersion and kind`);
    }
    if (COMPONENT_GROUPS.some((g) => apiVersion.startsWith(g))) continue;
    if (!KUBEADM_VERSIONS.includes(apiVersion)) {
      throw new ConfigError(
        'CONFIG_VERSION',
        `invalid config file "${path}": unsupported apiVersion "${apiVersion}" (supported: ${KUBEADM_VERSIONS.join(', ')})`,
      );
    }
    if (!KUBEADM_KINDS.includes(kind)) {
      throw new ConfigError('CONFIG_KIND', `invalid config file "${path}": unknown kind "${kind}" for ${apiVersion}`);
    }
    out.apiVersion = apiVersion;
    // kubeadm decodes strictly, warns about every unknown field and then ignores it
    const strict = strictDecodingWarning(apiVersion, kind, doc);
    if (strict) {
      out.warnings?.push(strict);
      doc = withoutUnknownFields(apiVersion, kind, doc);
    }
    if (kind === 'InitConfiguration') out.init = doc;
    if (kind === 'ClusterConfiguration') out.cluster = doc;
  }
  return out;
}

class FieldReader {
  constructor(private readonly path: string) {}
  private fail(field: string, want: string): never {
    throw new ConfigError('CONFIG_TYPE', `invalid config file "${this.path}": ${field} must be ${want}`);
  }
  obj(parent: Obj | undefined, key: string, field: string): Obj | undefined {
    const v = parent?.[key];
    if (v === undefined || v === null) return undefined;
    if (!isObj(v)) this.fail(field, 'a mapping');
    return v;
  }
  str(parent: Obj | undefined, key: string, field: string): string | undefined {
    const v = parent?.[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(field, 'a string');
    return v;
  }
  int(parent: Obj | undefined, key: string, field: string): number | undefined {
    const v = parent?.[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(field, 'an integer');
    return v;
  }
  strs(parent: Obj | undefined, key: string, field: string): string[] | undefined {
    const v = parent?.[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) this.fail(field, 'a list of strings');
    return v as string[];
  }
  duration(parent: Obj | undefined, key: string, field: string): number | undefined {
    const s = this.str(parent, key, field);
    if (s === undefined) return undefined;
    const ms = parseDuration(s);
    if (ms === undefined || ms <= 0) this.fail(field, `a positive duration such as "8760h" (got "${s}")`);
    return ms;
  }
}

export function parseEncryptionAlgorithm(value: string): EncryptionAlgorithm {
  if (value === '') return DEFAULTS.encryptionAlgorithm;
  if ((ENCRYPTION_ALGORITHMS as readonly string[]).includes(value)) return value as EncryptionAlgorithm;
  throw new ConfigError('BAD_ALGORITHM', `cannot obtain key size from unknown RSA algorithm: "${value}"`, {
    hint: `valid values: ${ENCRYPTION_ALGORITHMS.join(', ')}`,
  });
}

export function resolveConfig(docs: ConfigDocuments, flags: ConfigFlags, host: HostFacts, path = '<config>'): RunConfig {
  const cfg = resolveFields(docs, flags, host, path);
  if (docs.init || docs.cluster) validateFileValues(cfg, flags, path);
  return cfg;
}

/** Checks the values the file supplied (flags are checked where they are used), so errors name the file. */
function validateFileValues(cfg: RunConfig, flags: ConfigFlags, path: string): void {
  const fail = (what: string): never => {
    throw new ConfigError('CONFIG_VALUE', `invalid config file "${path}": ${what}`);
  };
  if (flags.advertiseAddress === undefined && !canonicalIp(cfg.advertiseAddress)) {
    fail(`error parsing LocalAPIEndpoint AdvertiseAddress ${cfg.advertiseAddress}: is not a valid textual representation of an IP address`);
  }
  if (flags.serviceCidr === undefined && !cidrAddress(cfg.serviceSubnet.split(',')[0] ?? '', 1)) {
    fail(`networking.serviceSubnet "${cfg.serviceSubnet}" is not a valid CIDR`);
  }
  if (flags.controlPlaneEndpoint === undefined && cfg.controlPlaneEndpoint) {
    const { host, port } = splitHostPort(cfg.controlPlaneEndpoint);
    const portOk = port === undefined || (/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535);
    if (!host || (!canonicalIp(host) && !isDnsSubdomain(host)) || !portOk) fail(`error parsing cluster controlPlaneEndpoint "${cfg.controlPlaneEndpoint}"`);
  }
}

function resolveFields(docs: ConfigDocuments, flags: ConfigFlags, host: HostFacts, path: string): RunConfig {
  const r = new FieldReader(path);
  const init = docs.init;
  const cluster = docs.cluster;
  const local = r.obj(init, 'localAPIEndpoint', 'localAPIEndpoint');
  const nodeReg = r.obj(init, 'nodeRegistration', 'nodeRegistration');
  const networking = r.obj(cluster, 'networking', 'networking');
  const apiServer = r.obj(cluster, 'apiServer', 'apiServer');
  const etcd = r.obj(cluster, 'etcd', 'etcd');
  const etcdLocal = r.obj(etcd, 'local', 'etcd.local');
  const etcdExternal = r.obj(etcd, 'external', 'etcd.external');
  const featureGates = r.obj(cluster, 'featureGates', 'featureGates');

  const fromFile = r.str(cluster, 'encryptionAlgorithm', 'encryptionAlgorithm');
  let algorithm: EncryptionAlgorithm;
  try {
    algorithm = parseEncryptionAlgorithm(flags.encryptionAlgorithm ?? fromFile ?? '');
  } catch (err) {
    if (flags.encryptionAlgorithm !== undefined) throw err;
    throw new ConfigError('BAD_ALGORITHM', `invalid config file "${path}": ${(err as Error).message}`);
  }
  let algorithmSource: RunConfig['encryptionAlgorithmSource'] =
    flags.encryptionAlgorithm !== undefined ? 'flag' : fromFile ? 'config' : 'default';
  const ecdsaGate = featureGates?.['PublicKeysECDSA'];
  if (flags.encryptionAlgorithm === undefined && typeof ecdsaGate === 'boolean') {
    algorithm = ecdsaGate ? 'ECDSA-P256' : 'RSA-2048';
    algorithmSource = 'config';
  }

  const bindPort = flags.bindPort ?? r.int(local, 'bindPort', 'localAPIEndpoint.bindPort') ?? DEFAULTS.bindPort;
  if (!Number.isInteger(bindPort) || bindPort < 1 || bindPort > 65535) {
    throw new ConfigError('BAD_PORT', `invalid config file "${path}": localAPIEndpoint.bindPort ${bindPort} must be between 1 and 65535`);
  }
  const nodeName = (flags.nodeName ?? r.str(nodeReg, 'name', 'nodeRegistration.name') ?? host.hostname).toLowerCase();
  if (nodeName === '') throw new ConfigError('BAD_NODE_NAME', `node name must not be empty (${flags.nodeName !== undefined ? '--node-name' : `nodeRegistration.name in "${path}"`})`);

  return {
    certificatesDir: flags.certDir ?? r.str(cluster, 'certificatesDir', 'certificatesDir') ?? DEFAULTS.certificatesDir,
    kubeconfigDir: flags.kubeconfigDir ?? DEFAULTS.kubeconfigDir,
    clusterName: flags.clusterName ?? r.str(cluster, 'clusterName', 'clusterName') ?? DEFAULTS.clusterName,
    controlPlaneEndpoint:
      flags.controlPlaneEndpoint ?? r.str(cluster, 'controlPlaneEndpoint', 'controlPlaneEndpoint') ?? '',
    advertiseAddress:
      flags.advertiseAddress ?? r.str(local, 'advertiseAddress', 'localAPIEndpoint.advertiseAddress') ?? host.defaultAddress,
    bindPort,
    nodeName,
    serviceSubnet: flags.serviceCidr ?? r.str(networking, 'serviceSubnet', 'networking.serviceSubnet') ?? DEFAULTS.serviceSubnet,
    dnsDomain: flags.serviceDnsDomain ?? r.str(networking, 'dnsDomain', 'networking.dnsDomain') ?? DEFAULTS.dnsDomain,
    apiServerCertSANs: [...(r.strs(apiServer, 'certSANs', 'apiServer.certSANs') ?? []), ...(flags.certExtraSans ?? [])],
    etcdLocal: etcdExternal
      ? null
      : {
          serverCertSANs: r.strs(etcdLocal, 'serverCertSANs', 'etcd.local.serverCertSANs') ?? [],
          peerCertSANs: r.strs(etcdLocal, 'peerCertSANs', 'etcd.local.peerCertSANs') ?? [],
        },
    encryptionAlgorithm: algorithm,
    encryptionAlgorithmSource: algorithmSource,
    certificateValidityMs:
      r.duration(cluster, 'certificateValidityPeriod', 'certificateValidityPeriod') ?? DEFAULTS.certificateValidityMs,
    caCertificateValidityMs:
      r.duration(cluster, 'caCertificateValidityPeriod', 'caCertificateValidityPeriod') ?? DEFAULTS.caCertificateValidityMs,
  };
}
