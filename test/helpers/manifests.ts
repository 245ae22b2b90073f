/**
 * kubeadm-shaped static-pod manifests (as `kubeadm init` v1.29 writes them to /etc/kubernetes/manifests) for a
 * simulated control-plane node whose files live in a test folder, on 127.0.0.1 with free ports.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface NodePorts {
  readonly apiserver: number;
  readonly etcdClient: number;
  readonly etcdPeer: number;
  readonly etcdMetrics: number;
  readonly controllerManager: number;
  readonly scheduler: number;
}

export interface ManifestNode {
  readonly name: string;
  /** the node's kubeconfig folder (kubeadm's /etc/kubernetes); certificates are in `<dir>/pki` */
  readonly dir: string;
  readonly ports: NodePorts;
}

const hostPathVolumes = (vols: readonly [string, string, string][]): { mounts: string; volumes: string } => ({
  mounts: vols.map(([name, path]) => `    - mountPath: ${path}\n      name: ${name}\n      readOnly: true`).join('\n'),
  volumes: vols.map(([name, path, type]) => `  - hostPath:\n      path: ${path}\n      type: ${type}\n    name: ${name}`).join('\n'),
});

function pod(o: {
  component: string;
  tier?: string;
  node: string;
  command: readonly string[];
  image: string;
  probe: { host: string; port: number; path: string; scheme: string };
  readiness?: string;
  vols: readonly [string, string, string][];
  annotations?: string;
}): string {
  const v = hostPathVolumes(o.vols);
  const probe = (path: string, failure: number): string =>
    `      failureThreshold: ${failure}\n      httpGet:\n        host: ${o.probe.host}\n        path: ${path}\n        port: ${o.probe.port}\n        scheme: ${o.probe.scheme}\n      initialDelaySeconds: 10\n      periodSeconds: 10\n      timeoutSeconds: 15`;
  return `apiVersion: v1
kind: Pod
metadata:
${o.annotations ? `  annotations:\n${o.annotations}\n` : ''}  creationTimestamp: null
  labels:
    component: ${o.component}
    tier: ${o.tier ?? 'control-plane'}
  name: ${o.component}-${o.node}
  namespace: kube-system
spec:
  containers:
  - command:
${o.command.map((c) => `    - ${c}`).join('\n')}
    image: ${o.image}
    imagePullPolicy: IfNotPresent
    livenessProbe:
${probe(o.probe.path, 8)}
    name: ${o.component}
${o.readiness ? `    readinessProbe:\n${probe(o.readiness, 3).replace(/initialDelaySeconds: 10\n      periodSeconds: 10/, 'periodSeconds: 1')}\n` : ''}    resources:
      requests:
        cpu: 250m
    volumeMounts:
${v.mounts}
  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  volumes:
${v.volumes}
status: {}
`;
}

/**
 * Writes etcd.yaml, kube-apiserver.yaml, kube-controller-manager.yaml and kube-scheduler.yaml into
 * `manifestsDir` for `node`. `cluster` lists every etcd member (name and peer port) for `--initial-cluster`.
 */
export function writeControlPlaneManifests(
  manifestsDir: string,
  node: ManifestNode,
  cluster: readonly { name: string; peerPort: number }[] = [{ name: node.name, peerPort: node.ports.etcdPeer }],
): void {
  mkdirSync(manifestsDir, { recursive: true });
  const pki = join(node.dir, 'pki');
  const p = node.ports;
  const ip = '127.0.0.1';
  const files: Record<string, string> = {
    'etcd.yaml': pod({
      component: 'etcd', node: node.name, image: 'registry.k8s.io/etcd:3.5.10-0',
      annotations: `    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://${ip}:${p.etcdClient}`,
      command: [
        'etcd', `--advertise-client-urls=https://${ip}:${p.etcdClient}`, `--cert-file=${pki}/etcd/server.crt`, '--client-cert-auth=true',
        `--data-dir=${node.dir}/etcd-data`, `--initial-advertise-peer-urls=https://${ip}:${p.etcdPeer}`,
        `--initial-cluster=${cluster.map((m) => `${m.name}=https://${ip}:${m.peerPort}`).join(',')}`, '--initial-cluster-token=kubecerts-test',
        `--key-file=${pki}/etcd/server.key`, `--listen-client-urls=https://${ip}:${p.etcdClient}`,
        `--listen-metrics-urls=http://${ip}:${p.etcdMetrics}`, `--listen-peer-urls=https://${ip}:${p.etcdPeer}`, `--name=${node.name}`,
        `--peer-cert-file=${pki}/etcd/peer.crt`, '--peer-client-cert-auth=true', `--peer-key-file=${pki}/etcd/peer.key`,
        `--peer-trusted-ca-file=${pki}/etcd/ca.crt`, '--snapshot-count=10000', `--trusted-ca-file=${pki}/etcd/ca.crt`,
        '--heartbeat-interval=100', '--election-timeout=1000',
      ],
      probe: { host: ip, port: p.etcdMetrics, path: '/health?exclude=NOSPACE&serializable=true', scheme: 'HTTP' },
      vols: [['etcd-certs', `${pki}/etcd`, 'DirectoryOrCreate'], ['etcd-data', `${node.dir}/etcd-data`, 'DirectoryOrCreate']],
    }),
    'kube-apiserver.yaml': pod({
      component: 'kube-apiserver', node: node.name, image: 'registry.k8s.io/kube-apiserver:v1.29.0',
      annotations: `    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: ${ip}:${p.apiserver}`,
      command: [
        'kube-apiserver', `--advertise-address=${ip}`, '--allow-privileged=true', '--authorization-mode=Node,RBAC',
        `--bind-address=${ip}`, `--client-ca-file=${pki}/ca.crt`, '--enable-admission-plugins=NodeRestriction', '--enable-bootstrap-token-auth=true',
        `--etcd-cafile=${pki}/etcd/ca.crt`, `--etcd-certfile=${pki}/apiserver-etcd-client.crt`, `--etcd-keyfile=${pki}/apiserver-etcd-client.key`,
        `--etcd-servers=https://${ip}:${p.etcdClient}`, `--kubelet-client-certificate=${pki}/apiserver-kubelet-client.crt`,
        `--kubelet-client-key=${pki}/apiserver-kubelet-client.key`, '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
        `--proxy-client-cert-file=${pki}/front-proxy-client.crt`, `--proxy-client-key-file=${pki}/front-proxy-client.key`,
        '--requestheader-allowed-names=front-proxy-client', `--requestheader-client-ca-file=${pki}/front-proxy-ca.crt`,
        '--requestheader-extra-headers-prefix=X-Remote-Extra-', '--requestheader-group-headers=X-Remote-Group',
        '--requestheader-username-headers=X-Remote-User', `--secure-port=${p.apiserver}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local', `--service-account-key-file=${pki}/sa.pub`,
        `--service-account-signing-key-file=${pki}/sa.key`, '--service-cluster-ip-range=10.96.0.0/12',
        `--tls-cert-file=${pki}/apiserver.crt`, `--tls-private-key-file=${pki}/apiserver.key`,
      ],
      probe: { host: ip, port: p.apiserver, path: '/livez', scheme: 'HTTPS' },
      readiness: '/readyz',
      vols: [['ca-certs', '/etc/ssl/certs', 'DirectoryOrCreate'], ['k8s-certs', pki, 'DirectoryOrCreate']],
    }),
    'kube-controller-manager.yaml': pod({
      component: 'kube-controller-manager', node: node.name, image: 'registry.k8s.io/kube-controller-manager:v1.29.0',
      command: [
        'kube-controller-manager', '--allocate-node-cidrs=true', `--authentication-kubeconfig=${node.dir}/controller-manager.conf`,
        `--authorization-kubeconfig=${node.dir}/controller-manager.conf`, `--bind-address=${ip}`, `--client-ca-file=${pki}/ca.crt`,
        '--cluster-cidr=10.244.0.0/16', '--cluster-name=kubernetes', `--cluster-signing-cert-file=${pki}/ca.crt`,
        `--cluster-signing-key-file=${pki}/ca.key`, '--controllers=*,bootstrapsigner,tokencleaner',
        `--kubeconfig=${node.dir}/controller-manager.conf`, '--leader-elect=true', `--requestheader-client-ca-file=${pki}/front-proxy-ca.crt`,
        `--root-ca-file=${pki}/ca.crt`, `--secure-port=${p.controllerManager}`, `--service-account-private-key-file=${pki}/sa.key`,
        '--service-cluster-ip-range=10.96.0.0/12', '--use-service-account-credentials=true',
      ],
      probe: { host: ip, port: p.controllerManager, path: '/healthz', scheme: 'HTTPS' },
      vols: [['k8s-certs', pki, 'DirectoryOrCreate'], ['kubeconfig', `${node.dir}/controller-manager.conf`, 'FileOrCreate']],
    }),
    'kube-scheduler.yaml': pod({
      component: 'kube-scheduler', node: node.name, image: 'registry.k8s.io/kube-scheduler:v1.29.0',
      command: [
        'kube-scheduler', `--authentication-kubeconfig=${node.dir}/scheduler.conf`, `--authorization-kubeconfig=${node.dir}/scheduler.conf`,
        `--bind-address=${ip}`, `--kubeconfig=${node.dir}/scheduler.conf`, '--leader-elect=true', `--secure-port=${p.scheduler}`,
      ],
      probe: { host: ip, port: p.scheduler, path: '/healthz', scheme: 'HTTPS' },
      vols: [['kubeconfig', `${node.dir}/scheduler.conf`, 'FileOrCreate']],
    }),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(manifestsDir, name), text, { mode: 0o600 });
}
