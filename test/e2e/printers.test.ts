/**
 * check-expiration with kubectl's printer flags, checked against kubectl itself: kubectl's own jsonpath and
 * go-template printers run (`kubectl annotate --local -f report.json -o …`, no server) on the -o json report
 * of the same tree at the same frozen moment.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, initPki, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const AT = '2026-03-01 12:00:00';

/** The CLI with the clock frozen at AT (faketime -f), so two runs see the same residual times. */
async function runCli(argv: readonly string[], _o: { faketime?: string } = {}): Promise<CliResult> {
  const r = spawnSync('faketime', ['-f', AT, process.execPath, BIN, ...argv], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/tmp' },
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}
let dir: string;
let args: string[];
let reportFile: string;

function kubectl(format: string, extra: string[] = []): { code: number | null; stdout: string } {
  const r = spawnSync('kubectl', ['annotate', '--local', '-f', reportFile, 'kubecerts.test/x=y', '-o', format, ...extra], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/tmp', KUBECONFIG: '/dev/null' },
  });
  return { code: r.status, stdout: r.stdout };
}

beforeAll(async () => {
  dir = tempDir();
  const { certDir, kubeconfigDir } = await initPki(dir, { faketime: '2026-01-01 00:00:00' });
  // a missing kubeconfig gives a row without caName and with a null expirationDate
  spawnSync('rm', [join(kubeconfigDir, 'super-admin.conf')]);
  args = ['certs', 'check-expiration', '--cert-dir', certDir, '--kubeconfig-dir', kubeconfigDir];
  const json = await runCli([...args, '-o', 'json'], { faketime: AT });
  expect(json.code).toBe(0);
  reportFile = join(dir, 'report.json');
  writeFileSync(reportFile, json.stdout);
}, 60_000);

const SAME_AS_KUBECTL = [
  'jsonpath={range .certificates[*]}{.name}{"\\t"}{.residualTime}{"\\n"}{end}',
  'jsonpath={.certificates[?(@.residualTime<26000000)].name}',
  'jsonpath={.certificates[?(@.missing==true)].name}',
  'jsonpath={range .certificates[?(@.caName=="etcd-ca")]}{.name}={.expirationDate}{"\\n"}{end}',
  "jsonpath={.certificates[?(@.name=='super-admin.conf')]}",
  'jsonpath={.certificateAuthorities[*].name}',
  'jsonpath={.certificates[0]}',
  'jsonpath={.certificates[-1:].expirationDate}',
  'jsonpath={..caName}',
  "jsonpath={.kind}{' '}{.apiVersion}",
  'jsonpath={range .certificates[*]}[{.caName}]{end}',
  'jsonpath={.nothere}',
  'jsonpath-as-json={.certificates[0:2].name}x{.kind}',
  'go-template={{range .certificates}}{{.name}}\t{{.residualTime}}{{"\\n"}}{{end}}',
  'go-template={{range .certificates}}{{if .missing}}{{.name}} MISSING{{else}}{{printf "%-25s %d %s" .name .residualTime .caName}}{{end}}{{"\\n"}}{{end}}',
  'go-template={{len .certificates}} {{index .certificates 0 "name"}} {{.certificateAuthorities}}',
  'go-template={{range $i, $c := .certificateAuthorities}}{{$i}}:{{$c.name}} {{end}}',
  'go-template={{range .certificates}}{{.caName}} {{.expirationDate}},{{end}}',
  'go-template={{with index .certificates 0}}{{.name}}{{end}}',
  'go-template={{range .certificates -}} {{ .name }} {{- end}}',
  'go-template={{range .certificates}}{{if and (not .missing) (gt .residualTime 26000000)}}{{.name}} {{end}}{{end}}',
  'go-template={{if eq .kind "CertificateExpirationInfo"}}yes{{else}}no{{end}}',
  'go-template={{printf "%999999999d" 1}}|{{printf "%.120f" 0.1}}|{{printf "a" 1 "b"}}|{{printf "%d %d" 1}}',
  'jsonpath={.certificates[?(@.missing)].name}|{.certificates[?(@.name!="ca")].caName}|{.certificates[?(@.residualTime>=0)].name}',
  'jsonpath={.certificates[?(@.constructor)].name}{"\\x41\\101\\u00e9"}',
];

/** Templates kubectl refuses: kubecerts refuses them too, with one line and a non-zero exit. */
const REFUSED = [
  ['go-template={{printf}}', 'error: error executing template: wrong number of args for printf: want at least 1 got 0'],
  ['go-template={{eq 1}}', 'error: error calling eq: missing argument for comparison'],
  ['jsonpath={.certificates[?(@.name=~/^api/)].name}', "error: error parsing jsonpath {.certificates[?(@.name=~/^api/)].name}, unrecognized character in action: U+007E '~'"],
  ['jsonpath={.certificates[?(@.name=="ca" && @.missing)].name}', "error: error parsing jsonpath {.certificates[?(@.name==\"ca\" && @.missing)].name}, unrecognized character in action: U+0026 '&'"],
  ['jsonpath={.certificates[?(@.name.includes("api"))].name}', "error: error parsing jsonpath {.certificates[?(@.name.includes(\"api\"))].name}, unrecognized character in action: U+0028 '('"],
  ['jsonpath={.certificates[?(@.name<2)].name}', 'error: error executing jsonpath "{.certificates[?(@.name<2)].name}": Error executing template: incompatible types for comparison'],
  ['jsonpath={"\\q"}', 'error: error parsing jsonpath {"\\q"}, unquote string "\\q" error invalid syntax'],
] as const;

describe('check-expiration -o jsonpath|go-template print what kubectl prints for the same JSON', () => {
  it.each(SAME_AS_KUBECTL)('%s', async (format) => {
    const ours = await runCli([...args, '-o', format], { faketime: AT });
    const theirs = kubectl(format);
    expect(theirs.code).toBe(0);
    expect(ours.stderr).toBe('');
    expect(ours.stdout).toBe(theirs.stdout);
    expect(ours.code).toBe(0);
  });

  it.each(REFUSED)('%s is refused in one line, as kubectl refuses it', async (format, line) => {
    const ours = await runCli([...args, '-o', format], { faketime: AT });
    expect(kubectl(format).code).not.toBe(0);
    expect(ours.stderr).toBe(`${line}\n`);
    expect(ours.stdout).toBe('');
    expect(ours.code).toBe(2);
  });

  it('templates nested beyond the limit are a one-line error, never an unexpected failure', async () => {
    const ours = await runCli([...args, '-o', `go-template=${'{{if true}}'.repeat(5000)}x${'{{end}}'.repeat(5000)}`], { faketime: AT });
    expect(ours.stderr).toBe('error: error parsing template: nesting deeper than 1000 levels is not supported\n');
    expect(ours.code).toBe(2);
  });

  it('the acceptance template prints one name<TAB>residual line per certificate', async () => {
    const r = await runCli([...args, '-o', 'jsonpath={range .certificates[*]}{.name}{"\\t"}{.residualTime}{"\\n"}{end}'], { faketime: AT });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toMatch(/^admin\.conf\t\d+$/);
    expect(lines[10]).toBe('super-admin.conf\t0');
  });

  it('-o jsonpath --template, jsonpath-file and go-template-file read the same template', async () => {
    const tpl = '{range .certificateAuthorities[*]}{.name}{"\\n"}{end}';
    const file = join(dir, 'tpl.jsonpath');
    writeFileSync(file, tpl);
    const a = await runCli([...args, '-o', `jsonpath=${tpl}`], { faketime: AT });
    const b = await runCli([...args, '-o', 'jsonpath', '--template', tpl], { faketime: AT });
    const c = await runCli([...args, '-o', `jsonpath-file=${file}`], { faketime: AT });
    expect(a.stdout).toBe('ca\netcd-ca\nfront-proxy-ca\n');
    expect(b.stdout).toBe(a.stdout);
    expect(c.stdout).toBe(a.stdout);
    const gfile = join(dir, 'tpl.gotmpl');
    writeFileSync(gfile, '{{range .certificateAuthorities}}{{.name}}\n{{end}}');
    const d = await runCli([...args, '-o', `go-template-file=${gfile}`], { faketime: AT });
    expect(d.stdout).toBe(a.stdout);
  });

  it('--allow-missing-template-keys=false turns a missing key into an error, as kubectl does', async () => {
    const r = await runCli([...args, '-o', 'jsonpath={.nothere}', '--allow-missing-template-keys=false'], { faketime: AT });
    expect(kubectl('jsonpath={.nothere}', ['--allow-missing-template-keys=false']).code).not.toBe(0);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('error executing jsonpath "{.nothere}": Error executing template: nothere is not found');
  });

  it('-o=json is the spelling of -o json; --show-managed-fields is accepted', async () => {
    const a = await runCli([...args, '-o=json', '--show-managed-fields'], { faketime: AT });
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toEqual(JSON.parse(reportText()));
  });

  it('an unknown format gets kubeadm\'s printer error and exit 2', async () => {
    const r = await runCli([...args, '-o', 'xml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: could not construct output printer: unable to match a printer suitable for the output format "xml", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,prometheus,template,templatefile,text,wide,yaml\n');
  });

  it('go-template outside the supported subset is refused with a message', async () => {
    const r = await runCli([...args, '-o', 'go-template={{define "x"}}{{end}}']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not supported by kubecerts\' go-template subset');
  });
});

/** The report file as written by -o json. */
function reportText(): string {
  return spawnSync('cat', [reportFile], { encoding: 'utf8' }).stdout;
}
