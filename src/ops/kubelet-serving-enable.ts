/**
 * `kubelet serving enable`: `serverTLSBootstrap: true` in the kubelet's config file, so the kubelet asks the cluster
 * for a serving certificate (a `kubernetes.io/kubelet-serving` CSR) instead of making the self-signed kubelet.crt.
 *
 * Every other byte, comment and key order is kept: the `yaml` package's document API locates the key (or the place
 * kubeadm's sorted output would have it) by source range, and only that span of text is changed; re-rendering the
 * document would re-indent lists and re-quote scalars. Pure: text in, text out.
 */
import { isMap, isScalar, parseDocument, type Pair } from 'yaml';
import { KubecertsError } from '../errors.js';

export interface ServingEnableResult {
  readonly text: string;
  readonly changed: boolean;
  /** the value before, as written ("false", "true") or undefined when the key was absent */
  readonly before: string | undefined;
}

const KEY = 'serverTLSBootstrap';

/** Plans the edit of `text` (from `path`). Throws KubecertsError (KUBELET_CONFIG) when it is not a YAML mapping. */
export function planServingEnable(text: string, path: string): ServingEnableResult {
  const doc = parseDocument(text, { keepSourceTokens: true });
  if (doc.errors.length > 0) throw new KubecertsError('KUBELET_CONFIG', `cannot parse "${path}": ${doc.errors[0]?.message.split('\n')[0] ?? ''}`);
  const map = doc.contents;
  if (!isMap(map)) throw new KubecertsError('KUBELET_CONFIG', `"${path}" is not a YAML mapping`);
  const kind: unknown = map.get('kind', false);
  if (kind !== undefined && kind !== 'KubeletConfiguration') throw new KubecertsError('KUBELET_CONFIG', `"${path}" is a ${String(kind)}, not a KubeletConfiguration`);
  const pairs = map.items as Pair[];
  const existing = pairs.find((p) => isScalar(p.key) && p.key.value === KEY);
  let out: string;
  let before: string | undefined;
  if (existing) {
    const v = existing.value;
    if (!isScalar(v) || !v.range) throw new KubecertsError('KUBELET_CONFIG', `${KEY} in "${path}" is not a plain value`);
    before = text.slice(v.range[0], v.range[1]);
    if (v.value === true) return { text, changed: false, before };
    out = `${text.slice(0, v.range[0])}true${text.slice(v.range[1])}`;
  } else {
    // kubeadm writes the keys sorted; put the new one where it would be, else at the end
    const next = pairs.find((p) => isScalar(p.key) && String(p.key.value) > KEY);
    const keyStart = next && isScalar(next.key) ? next.key.range?.[0] : undefined;
    if (keyStart !== undefined) {
      const lineStart = text.lastIndexOf('\n', keyStart - 1) + 1;
      const indent = text.slice(lineStart, keyStart);
      if (!/^[ \t]*$/.test(indent)) throw new KubecertsError('KUBELET_CONFIG', `"${path}" is not in block style; add ${KEY}: true by hand`);
      out = `${text.slice(0, lineStart)}${indent}${KEY}: true\n${text.slice(lineStart)}`;
    } else {
      if (map.flow) throw new KubecertsError('KUBELET_CONFIG', `"${path}" is not in block style; add ${KEY}: true by hand`);
      out = `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${KEY}: true\n`;
    }
  }
  // the edit changed exactly that key
  const a = parseDocument(text).toJS() as Record<string, unknown>;
  const b = parseDocument(out).toJS() as Record<string, unknown>;
  if (JSON.stringify({ ...a, [KEY]: true }, Object.keys({ ...a, [KEY]: true }).sort()) !== JSON.stringify(b, Object.keys(b).sort()) || b[KEY] !== true) {
    throw new KubecertsError('KUBELET_CONFIG', `refusing to write "${path}": the edit would change more than ${KEY}`);
  }
  return { text: out, changed: true, before };
}
