/**
 * Bookkeeping of the direct path's NAT rules (direct.ts), pure so it can be
 * unit-tested: each running forward owns one rule in the node container
 * that runs its pod, in the nat chain PADDOCK-FWD:
 *
 *   -A PADDOCK-FWD -s <host's bridge IP>/32 -d <node IP>/32 -p tcp -m tcp --dport <node port>
 *      -m comment --comment paddock-fwd:<forward id>:<pid>-<manager> -j DNAT --to-destination <pod IP>:<pod port>
 *
 * The comment names the forward and its holder (process and ForwardManager),
 * so any Paddock process can tell a stale rule (its holder is gone) from a
 * live one of another process, and several processes can share a node.
 */

export const CHAIN = 'PADDOCK-FWD';
export const COMMENT_PREFIX = 'paddock-fwd:';
/** Node ports for the rules: below Kubernetes' NodePort range (30000-32767), above the control plane's ports. */
export const PORT_MIN = 29100;
export const PORT_MAX = 29999;

export interface Owner {
  pid: number;
  /** Which ForwardManager of that process. */
  manager: number;
}

export interface Rule {
  source: string;
  node: string;
  nodePort: number;
  podIp: string;
  podPort: number;
  forwardId: string;
  owner: Owner;
}

/** A rule as listed by `iptables -t nat -S PADDOCK-FWD`, ours or not. */
export interface ListedRule {
  /** The rule's arguments after `-A PADDOCK-FWD`, as printed (quotes kept): `-D PADDOCK-FWD` + these deletes it. */
  spec: string;
  nodePort?: number;
  source?: string;
  node?: string;
  to?: string;
  comment?: string;
  /** Set when the comment is one of ours. */
  forwardId?: string;
  owner?: Owner;
}

export function commentOf(forwardId: string, owner: Owner): string {
  return `${COMMENT_PREFIX}${forwardId}:${owner.pid}-${owner.manager}`;
}

export function parseComment(comment: string): { forwardId: string; owner: Owner } | undefined {
  if (!comment.startsWith(COMMENT_PREFIX)) return undefined;
  const m = /^(.+):(\d+)-(\d+)$/.exec(comment.slice(COMMENT_PREFIX.length));
  if (!m) return undefined;
  return { forwardId: m[1]!, owner: { pid: Number(m[2]), manager: Number(m[3]) } };
}

/** The arguments of a rule after `-A PADDOCK-FWD`, as iptables prints them back (so a listed rule compares equal). */
export function ruleSpec(r: Rule): string {
  return [
    `-s ${r.source}/32 -d ${r.node}/32 -p tcp -m tcp --dport ${r.nodePort}`,
    `-m comment --comment "${commentOf(r.forwardId, r.owner)}"`,
    `-j DNAT --to-destination ${r.podIp}:${r.podPort}`,
  ].join(' ');
}

/** Splits an iptables-save style line into words; double quotes group (iptables quotes comments). */
export function words(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}

/** The rules of PADDOCK-FWD in `iptables -t nat -S PADDOCK-FWD` output (counters `-c P B`, if shown, are dropped). */
export function parseRules(text: string): ListedRule[] {
  const out: ListedRule[] = [];
  const prefix = `-A ${CHAIN} `;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith(prefix)) continue;
    const spec = line.slice(prefix.length).replace(/ -c \d+ \d+/, '');
    const w = words(spec);
    const val = (flag: string) => {
      const i = w.indexOf(flag);
      return i >= 0 ? w[i + 1] : undefined;
    };
    const port = Number(val('--dport'));
    const comment = val('--comment');
    const ours = comment ? parseComment(comment) : undefined;
    out.push({
      spec,
      nodePort: Number.isInteger(port) && port > 0 ? port : undefined,
      source: val('-s')?.replace(/\/32$/, ''),
      node: val('-d')?.replace(/\/32$/, ''),
      to: val('--to-destination'),
      comment,
      forwardId: ours?.forwardId,
      owner: ours?.owner,
    });
  }
  return out;
}

/** A node port for a forward: the one it has on this node already, else a free one from a start that differs by forward (fewer races between processes). */
export function pickPort(rules: ListedRule[], forwardId: string, owner: Owner, node: string): number | undefined {
  const mine = rules.find((r) => r.forwardId === forwardId && sameOwner(r.owner, owner) && r.node === node && r.nodePort);
  if (mine && !rules.some((r) => r !== mine && r.nodePort === mine.nodePort && r.node === node)) return mine.nodePort;
  const used = new Set(rules.filter((r) => r.node === undefined || r.node === node).map((r) => r.nodePort));
  const span = PORT_MAX - PORT_MIN + 1;
  const start = hash(`${forwardId}:${owner.pid}-${owner.manager}`) % span;
  for (let i = 0; i < span; i++) {
    const p = PORT_MIN + ((start + i) % span);
    if (!used.has(p)) return p;
  }
  return undefined;
}

export function sameOwner(a: Owner | undefined, b: Owner): boolean {
  return !!a && a.pid === b.pid && a.manager === b.manager;
}

/**
 * Rules to delete when `owner` (re)installs a rule: its own earlier rules for
 * this forward, and rules whose holder is gone — another process that ended,
 * or a manager of this process that no longer runs that forward.
 */
export function staleRules(rules: ListedRule[], owner: Owner, forwardId: string, isLive: (o: Owner, forwardId: string) => boolean): ListedRule[] {
  return rules.filter((r) => {
    if (!r.owner || !r.forwardId) return false; // not ours: never touched
    if (sameOwner(r.owner, owner) && r.forwardId === forwardId) return true;
    return !isLive(r.owner, r.forwardId);
  });
}

/**
 * Whether our rule is the one that takes effect for its port: iptables uses
 * the first match, so when two processes picked the same port at once, the
 * one listed later must move.
 */
export function shadowedBy(rules: ListedRule[], spec: string): ListedRule | undefined {
  const i = rules.findIndex((r) => r.spec === spec);
  if (i < 0) return undefined;
  const me = rules[i]!;
  return rules.slice(0, i).find((r) => r.nodePort === me.nodePort && (r.node === undefined || r.node === me.node) && (r.source === undefined || r.source === me.source));
}

/** iptables-restore --noflush input that deletes and appends rules of PADDOCK-FWD in one commit. */
export function restoreInput(del: string[], add: string[]): string {
  return ['*nat', ...del.map((s) => `-D ${CHAIN} ${s}`), ...add.map((s) => `-A ${CHAIN} ${s}`), 'COMMIT', ''].join('\n');
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}
