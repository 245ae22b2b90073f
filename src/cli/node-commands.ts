/**
 * Registers the commands that act on a running node: `control-plane status|restart`, `kubelet …` and
 * `kubeconfig refresh`. Kept apart from program.ts so that file only calls `registerNodeCommands`.
 */
import { Argument, Option, type Command } from 'commander';
import { COMPONENTS } from '../node/manifests.js';
import { defineCommand, defineGroup, type RunCommand } from './command-def.js';
import { certDirOption, kubeconfigDirOption } from './options.js';

export type { RunCommand };

const manifestsDirOption = (): Option =>
  new Option('--manifests-dir <dir>', 'the kubelet\'s static-pod manifests folder (default: "/etc/kubernetes/manifests")');
const kubeletDirOption = (): Option => new Option('--kubelet-dir <dir>', 'folder of the kubelet certificates (default: "/var/lib/kubelet/pki")');
const probeTimeoutOption = (): Option =>
  new Option('--probe-timeout <duration>', 'bound of each TLS handshake and health request, e.g. 2s (default: "2s")');
const outputOption = (): Option => new Option('-o, --output <format>', 'output format (default: "text")').choices(['text', 'json', 'yaml']);
const dryRun = (what: string): Option => new Option('--dry-run', `${what} (default: false)`);

export function registerNodeCommands(program: Command, run: RunCommand): void {
  const cp = defineGroup('control-plane', 'control-plane static pods on this node: status, restart', ['kubecerts control-plane status', 'kubecerts control-plane restart all'], [0, 1, 2, 4, 5]);
  program.addCommand(cp);
  cp.addCommand(defineCommand({
    name: 'status',
    description: 'for each static-pod component: files and expiry, whether the running instance uses the current files, health, verdict',
    options: [
      manifestsDirOption(), kubeletDirOption(), outputOption(), probeTimeoutOption(),
      new Option('--holding-dir <dir>', 'where control-plane restart holds manifests; one left there by a killed restart is put back (default: "<manifests-dir>/../tmp/kubecerts-held-manifests")'),
    ],
    examples: ['kubecerts control-plane status', 'kubecerts control-plane status -o json', 'kubecerts control-plane status || kubecerts control-plane restart all'],
    exitCodes: [0, 1, 2, 5],
    load: () => import('./commands/control-plane-status.js'),
  }, run));
  cp.addCommand(defineCommand({
    name: 'restart',
    description: 'restart static pods one at a time through the kubelet (etcd first, only while quorum holds), waiting until each serves the current certificate',
    args: [new Argument('[component...]', 'what to restart (default: all)').choices(['all', ...COMPONENTS])],
    options: [
      manifestsDirOption(),
      new Option('--holding-dir <dir>', 'where manifests wait while out, outside the manifests folder, same filesystem (default: "<manifests-dir>/../tmp/kubecerts-held-manifests")'),
      new Option('--timeout <duration>', 'bound of each wait for a stop or a healthy start; more than the kubelet\'s 20s fileCheckFrequency (default: "90s")'),
      probeTimeoutOption(), outputOption(), dryRun('print the plan and the etcd quorum check; move nothing'),
    ],
    examples: ['kubecerts control-plane restart all', 'kubecerts control-plane restart kube-apiserver --timeout 2m', 'kubecerts control-plane restart all --dry-run'],
    exitCodes: [0, 1, 2, 4],
    load: () => import('./commands/control-plane-restart.js'),
  }, run));

  program.commands.find((c) => c.name() === 'kubeconfig')?.addCommand(defineCommand({
    name: 'refresh',
    description: 'put the renewed credentials of --from into FILE where FILE\'s user holds the same identity; everything else stays byte-identical',
    args: [new Argument('<file>', 'kubeconfig to update, e.g. $HOME/.kube/config')],
    options: [
      new Option('--from <kubeconfig>', 'kubeconfig with the current credentials, e.g. /etc/kubernetes/admin.conf (default: none; required)').makeOptionMandatory(),
      new Option('--no-backup', 'do not keep a copy of FILE first (default: keep FILE.kubecerts-<time>.bak, mode 0600)'),
      dryRun('say what would change; write nothing'),
    ],
    examples: ['kubecerts kubeconfig refresh $HOME/.kube/config --from /etc/kubernetes/admin.conf'],
    load: () => import('./commands/kubeconfig-refresh.js'),
  }, run));

  const kubelet = defineGroup('kubelet', 'kubelet credentials: fix-kubeconfig, client-kubeconfig, serving enable, serving-csr review', ['kubecerts kubelet fix-kubeconfig', 'kubecerts kubelet serving-csr review --csrs csrs.json --nodes nodes.json']);
  program.addCommand(kubelet);
  kubelet.addCommand(defineCommand({
    name: 'fix-kubeconfig',
    description: 'point kubelet.conf at the rotating kubelet-client-current.pem instead of embedded data (kubeadm before 1.17)',
    options: [
      kubeconfigDirOption(), kubeletDirOption(),
      new Option('--backup-dir <dir>', 'where the old kubelet.conf is copied first (default: "<kubeconfig-dir>/tmp")'),
      dryRun('say what would change; write nothing'),
    ],
    examples: ['kubecerts kubelet fix-kubeconfig', 'kubecerts kubelet fix-kubeconfig --kubeconfig-dir /etc/kubernetes --kubelet-dir /var/lib/kubelet/pki'],
    load: () => import('./commands/kubelet-fix-kubeconfig.js'),
  }, run));
  kubelet.addCommand(defineCommand({
    name: 'client-kubeconfig',
    description: 'on a control-plane node: a kubeconfig for a node whose kubelet client certificate expired (system:node:NAME, group system:nodes)',
    options: [
      new Option('--node-name <name>', 'the node the kubeconfig is for (default: none; required)').makeOptionMandatory(),
      certDirOption(), kubeconfigDirOption(),
      new Option('--server <url>', 'API server URL (default: the server of <kubeconfig-dir>/admin.conf)'),
      new Option('--validity-period <duration>', 'certificate lifetime (default: "8760h")'),
      new Option('--out <file>', 'write it to this file (mode 0600) instead of stdout (default: stdout)'),
    ],
    examples: ['kubecerts kubelet client-kubeconfig --node-name worker-1 > kubelet.conf'],
    load: () => import('./commands/kubelet-client-kubeconfig.js'),
  }, run));
  const serving = defineGroup('serving', 'kubelet serving certificates: enable', ['kubecerts kubelet serving enable']);
  kubelet.addCommand(serving);
  serving.addCommand(defineCommand({
    name: 'enable',
    description: 'set serverTLSBootstrap: true in the kubelet config file, keeping every other byte',
    options: [
      new Option('--kubelet-config <file>', 'the kubelet config file (default: "/var/lib/kubelet/config.yaml")'),
      new Option('--backup-dir <dir>', 'where the old file is copied first (default: the file\'s folder, as config.yaml.kubecerts-<time>.bak)'),
      dryRun('print the new file; write nothing'),
    ],
    examples: ['kubecerts kubelet serving enable', 'kubecerts kubelet serving enable --kubelet-config /var/lib/kubelet/config.yaml --dry-run'],
    load: () => import('./commands/kubelet-serving-enable.js'),
  }, run));
  const csr = defineGroup('serving-csr', 'kubelet serving CSRs: review', ['kubectl get csr -o json | kubecerts kubelet serving-csr review --csrs - --nodes nodes.json']);
  kubelet.addCommand(csr);
  csr.addCommand(defineCommand({
    name: 'review',
    description: 'judge pending kubernetes.io/kubelet-serving CSRs as kubelet-csr-approver does and print approve commands for the valid ones',
    options: [
      new Option('--csrs <file>', '`kubectl get csr -o json` output, or - for stdin (default: none; required)').makeOptionMandatory(),
      new Option('--nodes <file>', '`kubectl get nodes -o json` output, or - for stdin (default: none; required)').makeOptionMandatory(),
      outputOption(),
    ],
    examples: ['kubectl get csr -o json > csrs.json; kubectl get nodes -o json > nodes.json; kubecerts kubelet serving-csr review --csrs csrs.json --nodes nodes.json'],
    load: () => import('./commands/kubelet-serving-csr-review.js'),
  }, run));
}
