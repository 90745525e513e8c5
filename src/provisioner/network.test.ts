import { describe, expect, it } from 'vitest';
import { dynamicRange, gatewayOf, isOutdated, overlaps, parseRouteTable, pickAddresses, SUBNET_CANDIDATES } from './network.js';

describe('node addresses', () => {
  it('picks the lowest free addresses, skipping network, gateway and used ones', () => {
    expect(pickAddresses('172.30.0.0/16', new Set(), 3)).toEqual(['172.30.0.2', '172.30.0.3', '172.30.0.4']);
    expect(pickAddresses('172.30.0.0/16', new Set(['172.30.0.2', '172.30.0.4']), 2)).toEqual(['172.30.0.3', '172.30.0.5']);
    expect(pickAddresses('10.0.0.0/24', new Set(), 1)).toEqual(['10.0.0.2']);
  });

  it('crosses octet boundaries and says when the subnet is full', () => {
    const used = new Set(Array.from({ length: 253 }, (_, i) => `10.1.0.${i + 2}`));
    expect(pickAddresses('10.1.0.0/23', used, 2)).toEqual(['10.1.0.255', '10.1.1.0']);
    expect(() => pickAddresses('10.2.0.0/30', new Set(['10.2.0.2']), 1)).toThrow(/no free addresses/);
  });

  it("never proposes Docker's default bridge subnet", () => {
    expect(SUBNET_CANDIDATES).not.toContain('172.17.0.0/16');
    expect(gatewayOf('172.30.0.0/16')).toBe('172.30.0.1');
  });
});

describe('host routes', () => {
  const table = [
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
    'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
    'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
    'br-1\t000012AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
    'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    'tun0\t0080130A\t00000000\t0001\t0\t0\t0\t0080FFFF\t0\t0\t0',
  ].join('\n');

  it('reads /proc/net/route into CIDRs, without the default route', () => {
    expect(parseRouteTable(table)).toEqual(['172.17.0.0/16', '172.18.0.0/16', '192.0.2.0/24', '10.19.128.0/17']);
  });

  it('tells overlapping ranges apart', () => {
    expect(overlaps('172.18.0.0/16', '172.18.0.0/16')).toBe(true);
    expect(overlaps('172.18.0.0/16', '172.18.5.0/24')).toBe(true);
    expect(overlaps('172.16.0.0/12', '172.30.0.0/16')).toBe(true);
    expect(overlaps('172.18.0.0/16', '172.19.0.0/16')).toBe(false);
  });
});

describe('dynamicRange', () => {
  it('is the upper half of the subnet, away from the fixed node addresses picked from the bottom', () => {
    expect(dynamicRange('172.18.0.0/16')).toBe('172.18.128.0/17');
    expect(dynamicRange('10.0.0.0/24')).toBe('10.0.0.128/25');
  });
});

describe('isOutdated', () => {
  const net = (cfg: Record<string, string>) => ({ Name: 'paddock', IPAM: { Config: [cfg] } }) as never;
  it('replaces networks without a dynamic range or with the gateway Docker picks for that range', () => {
    expect(isOutdated(net({ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }))).toBe(true);
    expect(isOutdated(net({ Subnet: '172.18.0.0/16', IPRange: '172.18.128.0/17', Gateway: '172.18.128.0' }))).toBe(true);
    expect(isOutdated(net({ Subnet: '172.18.0.0/16', IPRange: '172.18.128.0/17', Gateway: '172.18.0.1' }))).toBe(false);
  });
});
