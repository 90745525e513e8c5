import { describe, expect, it } from 'vitest';
import { gatewayOf, pickAddresses, SUBNET_CANDIDATES } from './network.js';

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
