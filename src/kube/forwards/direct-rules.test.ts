import { describe, expect, it } from 'vitest';
import { commentOf, parseComment, parseRules, pickPort, PORT_MAX, PORT_MIN, restoreInput, ruleSpec, shadowedBy, staleRules, words, type Rule } from './direct-rules.js';

const me = { pid: 100, manager: 1 };
const other = { pid: 200, manager: 3 };
const rule = (over: Partial<Rule> = {}): Rule => ({ source: '172.18.0.1', node: '172.18.0.2', nodePort: 29500, podIp: '10.244.0.7', podPort: 8080, forwardId: 'svc-web-80', owner: me, ...over });
const listing = (...rules: Rule[]) => ['-N PADDOCK-FWD', ...rules.map((r) => `-A PADDOCK-FWD ${ruleSpec(r)}`)].join('\n');

describe('direct path rules', () => {
  it('a rule prints the way iptables -S lists it back, so a listed rule compares equal', () => {
    // As printed by iptables v1.8.9 (nf_tables) for a rule added with these arguments.
    const printed = '-A PADDOCK-FWD -s 172.18.0.1/32 -d 172.18.0.2/32 -p tcp -m tcp --dport 29500 -m comment --comment "paddock-fwd:svc-web-80:100-1" -j DNAT --to-destination 10.244.0.7:8080';
    const [r] = parseRules(printed);
    expect(r!.spec).toBe(ruleSpec(rule()));
    expect(r).toMatchObject({ nodePort: 29500, source: '172.18.0.1', node: '172.18.0.2', to: '10.244.0.7:8080', forwardId: 'svc-web-80', owner: me });
  });

  it('drops counters (-S -v) and ignores the chain line, other chains and rules that are not ours', () => {
    const text = [
      '-N PADDOCK-FWD',
      '-A PADDOCK-FWD -s 172.18.0.1/32 -d 172.18.0.2/32 -p tcp -m tcp --dport 29501 -m comment --comment "paddock-fwd:a.b-1:7-2" -c 12 720 -j DNAT --to-destination 10.244.0.9:80',
      '-A PADDOCK-FWD -p tcp -m tcp --dport 29502 -m comment --comment "someone else\'s" -j DNAT --to-destination 10.0.0.1:1',
      '-A PREROUTING -j PADDOCK-FWD',
    ].join('\n');
    const rules = parseRules(text);
    expect(rules).toHaveLength(2);
    expect(rules[0]!.spec).not.toContain('-c 12');
    expect(rules[0]).toMatchObject({ forwardId: 'a.b-1', owner: { pid: 7, manager: 2 }, nodePort: 29501 });
    expect(rules[1]).toMatchObject({ nodePort: 29502, comment: "someone else's", forwardId: undefined, owner: undefined });
  });

  it('comments round-trip, ids with colons included; others are not ours', () => {
    expect(parseComment(commentOf('deploy-web-http', me))).toEqual({ forwardId: 'deploy-web-http', owner: me });
    expect(parseComment('paddock-fwd:x:y:5-6')).toEqual({ forwardId: 'x:y', owner: { pid: 5, manager: 6 } });
    expect(parseComment('paddock-fwd:broken')).toBeUndefined();
    expect(parseComment('kubernetes service portals')).toBeUndefined();
    expect(words('-m comment --comment "a \\"b\\" c" -j X')).toEqual(['-m', 'comment', '--comment', 'a "b" c', '-j', 'X']);
  });

  it('picks a port in the range, keeps the one the forward has on that node, and never one in use there', () => {
    const none = pickPort([], 'svc-web-80', me, '172.18.0.2')!;
    expect(none).toBeGreaterThanOrEqual(PORT_MIN);
    expect(none).toBeLessThanOrEqual(PORT_MAX);
    // Different forwards start at different places, so two processes rarely pick the same port at once.
    expect(pickPort([], 'svc-api-443', me, '172.18.0.2')).not.toBe(none);
    const kept = parseRules(listing(rule({ nodePort: 29123, podIp: '10.244.0.99' })));
    expect(pickPort(kept, 'svc-web-80', me, '172.18.0.2')).toBe(29123);
    // Same forward id, another holder: a port of its own.
    expect(pickPort(kept, 'svc-web-80', other, '172.18.0.2')).not.toBe(29123);
    // Every port but one taken: that one.
    const all: Rule[] = [];
    for (let p = PORT_MIN; p <= PORT_MAX; p++) if (p !== 29777) all.push(rule({ nodePort: p, forwardId: `f${p}`, owner: other }));
    expect(pickPort(parseRules(listing(...all)), 'new', me, '172.18.0.2')).toBe(29777);
    all.push(rule({ nodePort: 29777, forwardId: 'last', owner: other }));
    expect(pickPort(parseRules(listing(...all)), 'new', me, '172.18.0.2')).toBeUndefined();
  });

  it('stale: the forward\'s own earlier rule and rules of holders that are gone; live rules of others and foreign rules stay', () => {
    const rules = parseRules(
      listing(
        rule({ forwardId: 'svc-web-80', owner: me, nodePort: 29100 }), // mine, being replaced
        rule({ forwardId: 'pod-db-5432', owner: me, nodePort: 29101 }), // mine, still running
        rule({ forwardId: 'pod-old-1', owner: me, nodePort: 29102 }), // mine, stopped
        rule({ forwardId: 'svc-web-80', owner: other, nodePort: 29103 }), // another live process
        rule({ forwardId: 'svc-web-80', owner: { pid: 300, manager: 1 }, nodePort: 29104 }), // a process that ended
      ) + '\n-A PADDOCK-FWD -p tcp -m tcp --dport 29105 -j ACCEPT',
    );
    const running = new Set(['100-1:pod-db-5432', '100-1:svc-web-80', '200-3:svc-web-80']);
    const stale = staleRules(rules, me, 'svc-web-80', (o, id) => running.has(`${o.pid}-${o.manager}:${id}`));
    expect(stale.map((r) => r.nodePort)).toEqual([29100, 29102, 29104]);
  });

  it('a rule listed after another with the same port on the same node is shadowed (iptables takes the first match)', () => {
    const a = rule({ forwardId: 'a', owner: other, nodePort: 29200 });
    const b = rule({ forwardId: 'b', owner: me, nodePort: 29200 });
    const c = rule({ forwardId: 'c', owner: me, nodePort: 29201 });
    const rules = parseRules(listing(a, b, c));
    expect(shadowedBy(rules, ruleSpec(b))?.forwardId).toBe('a');
    expect(shadowedBy(rules, ruleSpec(a))).toBeUndefined();
    expect(shadowedBy(rules, ruleSpec(c))).toBeUndefined();
    // Another node's address: no clash.
    const d = rule({ forwardId: 'd', node: '172.18.0.3', nodePort: 29200 });
    expect(shadowedBy(parseRules(listing(a, d)), ruleSpec(d))).toBeUndefined();
  });

  it('iptables-restore input deletes and appends in one nat commit without flushing', () => {
    expect(restoreInput(['-p tcp -j X'], ['-p tcp -j Y'])).toBe('*nat\n-D PADDOCK-FWD -p tcp -j X\n-A PADDOCK-FWD -p tcp -j Y\nCOMMIT\n');
  });
});
