/**
 * Registers the commands that act on a running node: `control-plane status|restart`, `kubelet …` and
 * `kubeconfig refresh`. Kept apart from program.ts so that file only calls `registerNodeCommands`.
 */
import { Argument, Command, Option } from 'commander';
import { COMPONENTS } from '../node/manifests.js';
import { helpFooter } from './help.js';
import type { Io } from './io.js';
import { certDirOption, kubeconfigDirOption } from './options.js';

type Action = (...args: unknown[]) => Promise<void>;
type Loader = () => Promise<{ default: (args: unknown[], opts: Record<string, unknown>, io: Io) => Promise<void> }>;
export type RunCommand = (load: Loader) => Action;

const manifestsDirOption = (): Option =>
  new Option('--manifests-dir <dir>', 'the kubelet\'s static-pod manifests folder (default: "/etc/kubernetes/manifests")');
const kubeletDirOption = (): Option => new Option('--kubelet-dir <dir>', 'folder of the kubelet certificates (default: "/var/lib/kubelet/pki")');
const probeTimeoutOption = (): Option =>
  new Option('--probe-timeout <duration>', 'bound of each TLS handshake and health request, e.g. 2s (default: "2s")');
const outputOption = (): Option => new Option('-o, --output <format>', 'output format (default: "text")').choices(['text', 'json', 'yaml']);

export function registerNodeCommands(program: Command, run: RunCommand): void {
  const cp = new Command('control-plane')
    .description('control-plane static pods on this node: status, restart')
    .addHelpText('after', helpFooter(['kubecerts control-plane status', 'kubecerts control-plane restart all'], [0, 1, 2, 4, 5]));
  program.addCommand(cp);
  cp.addCommand(
    new Command('status')
      .description('for each static-pod component: files and expiry, whether the running instance uses the current files, health, verdict')
      .addOption(manifestsDirOption())
      .addOption(kubeletDirOption())
      .addOption(outputOption())
      .addOption(probeTimeoutOption())
      .addOption(new Option('--holding-dir <dir>', 'where control-plane restart holds manifests; one left there by a killed restart is put back (default: "<manifests-dir>/../tmp/kubecerts-held-manifests")'))
      .addHelpText('after', helpFooter(['kubecerts control-plane status', 'kubecerts control-plane status -o json', 'kubecerts control-plane status || kubecerts control-plane restart all'], [0, 1, 2, 5]))
      .action(run(() => import('./commands/control-plane-status.js'))),
  );
  cp.addCommand(
    new Command('restart')
      .description('restart static pods one at a time through the kubelet (etcd first, only while quorum holds), waiting until each serves the current certificate')
      .addArgument(new Argument('[component...]', 'what to restart (default: all)').choices(['all', ...COMPONENTS]))
      .addOption(manifestsDirOption())
      .addOption(new Option('--holding-dir <dir>', 'where manifests wait while out, outside the manifests folder, same filesystem (default: "<manifests-dir>/../tmp/kubecerts-held-manifests")'))
      .addOption(new Option('--timeout <duration>', 'bound of each wait for a stop or a healthy start; more than the kubelet\'s 20s fileCheckFrequency (default: "90s")'))
      .addOption(probeTimeoutOption())
      .addOption(outputOption())
      .addOption(new Option('--dry-run', 'print the plan and the etcd quorum check; move nothing (default: false)'))
      .addHelpText('after', helpFooter(['kubecerts control-plane restart all', 'kubecerts control-plane restart kube-apiserver --timeout 2m', 'kubecerts control-plane restart all --dry-run'], [0, 1, 2, 4]))
      .action(run(() => import('./commands/control-plane-restart.js'))),
  );

  const kubeconfig = program.commands.find((c) => c.name() === 'kubeconfig');
  kubeconfig?.addCommand(
    new Command('refresh')
      .description('put the renewed credentials of --from into FILE where FILE\'s user holds the same identity; everything else stays byte-identical')
      .addArgument(new Argument('<file>', 'kubeconfig to update, e.g. $HOME/.kube/config'))
      .addOption(new Option('--from <kubeconfig>', 'kubeconfig with the current credentials, e.g. /etc/kubernetes/admin.conf (default: none; required)').makeOptionMandatory())
      .addOption(new Option('--no-backup', 'do not keep a copy of FILE first (default: keep FILE.kubecerts-<time>.bak, mode 0600)'))
      .addOption(new Option('--dry-run', 'say what would change; write nothing (default: false)'))
      .addHelpText('after', helpFooter(['kubecerts kubeconfig refresh $HOME/.kube/config --from /etc/kubernetes/admin.conf']))
      .action(run(() => import('./commands/kubeconfig-refresh.js'))),
  );

  const kubelet = new Command('kubelet')
    .description('kubelet credentials: fix-kubeconfig, client-kubeconfig, serving enable, serving-csr review')
    .addHelpText('after', helpFooter(['kubecerts kubelet fix-kubeconfig', 'kubecerts kubelet serving-csr review --csrs csrs.json --nodes nodes.json']));
  program.addCommand(kubelet);
  kubelet.addCommand(
    new Command('fix-kubeconfig')
      .description('point kubelet.conf at the rotating kubelet-client-current.pem instead of embedded data (kubeadm before 1.17)')
      .addOption(kubeconfigDirOption())
      .addOption(kubeletDirOption())
      .addOption(new Option('--backup-dir <dir>', 'where the old kubelet.conf is copied first (default: "<kubeconfig-dir>/tmp")'))
      .addOption(new Option('--dry-run', 'say what would change; write nothing (default: false)'))
      .addHelpText('after', helpFooter(['kubecerts kubelet fix-kubeconfig', 'kubecerts kubelet fix-kubeconfig --kubeconfig-dir /etc/kubernetes --kubelet-dir /var/lib/kubelet/pki']))
      .action(run(() => import('./commands/kubelet-fix-kubeconfig.js'))),
  );
  kubelet.addCommand(
    new Command('client-kubeconfig')
      .description('on a control-plane node: a kubeconfig for a node whose kubelet client certificate expired (system:node:NAME, group system:nodes)')
      .addOption(new Option('--node-name <name>', 'the node the kubeconfig is for (default: none; required)').makeOptionMandatory())
      .addOption(certDirOption())
      .addOption(kubeconfigDirOption())
      .addOption(new Option('--server <url>', 'API server URL (default: the server of <kubeconfig-dir>/admin.conf)'))
      .addOption(new Option('--validity-period <duration>', 'certificate lifetime (default: "8760h")'))
      .addOption(new Option('--out <file>', 'write it to this file (mode 0600) instead of stdout (default: stdout)'))
      .addHelpText('after', helpFooter(['kubecerts kubelet client-kubeconfig --node-name worker-1 > kubelet.conf']))
      .action(run(() => import('./commands/kubelet-client-kubeconfig.js'))),
  );
  const serving = new Command('serving').description('kubelet serving certificates: enable').addHelpText('after', helpFooter(['kubecerts kubelet serving enable']));
  kubelet.addCommand(serving);
  serving.addCommand(
    new Command('enable')
      .description('set serverTLSBootstrap: true in the kubelet config file, keeping every other byte')
      .addOption(new Option('--kubelet-config <file>', 'the kubelet config file (default: "/var/lib/kubelet/config.yaml")'))
      .addOption(new Option('--backup-dir <dir>', 'where the old file is copied first (default: the file\'s folder, as config.yaml.kubecerts-<time>.bak)'))
      .addOption(new Option('--dry-run', 'print the new file; write nothing (default: false)'))
      .addHelpText('after', helpFooter(['kubecerts kubelet serving enable', 'kubecerts kubelet serving enable --kubelet-config /var/lib/kubelet/config.yaml --dry-run']))
      .action(run(() => import('./commands/kubelet-serving-enable.js'))),
  );
  const csr = new Command('serving-csr').description('kubelet serving CSRs: review').addHelpText('after', helpFooter(['kubectl get csr -o json | kubecerts kubelet serving-csr review --csrs - --nodes nodes.json']));
  kubelet.addCommand(csr);
  csr.addCommand(
    new Command('review')
      .description('judge pending kubernetes.io/kubelet-serving CSRs as kubelet-csr-approver does and print approve commands for the valid ones')
      .addOption(new Option('--csrs <file>', '`kubectl get csr -o json` output, or - for stdin (default: none; required)').makeOptionMandatory())
      .addOption(new Option('--nodes <file>', '`kubectl get nodes -o json` output, or - for stdin (default: none; required)').makeOptionMandatory())
      .addOption(outputOption())
      .addHelpText('after', helpFooter(['kubectl get csr -o json > csrs.json; kubectl get nodes -o json > nodes.json; kubecerts kubelet serving-csr review --csrs csrs.json --nodes nodes.json']))
      .action(run(() => import('./commands/kubelet-serving-csr-review.js'))),
  );
}
