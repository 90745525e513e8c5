/** Docker labels are the source of truth for what Paddock made (DESIGN.md: reality first). */
export const Labels = {
  cluster: 'io.paddock.cluster',
  role: 'io.paddock.role',
  /** Set on objects made by tests, so a test run can sweep only its own leftovers. */
  test: 'io.paddock.test',
  apiAddress: 'io.paddock.api-address',
  /** Host containers of a cluster's addons (proxies, controllers): never taken for nodes. */
  addonOf: 'io.paddock.addon-of',
  apiPort: 'io.paddock.api-port',
  /** The node's fixed address on the paddock network. */
  ip: 'io.paddock.ip',
  version: 'io.paddock.kubernetes-version',
} as const;

export type NodeRole = 'control-plane' | 'worker' | 'load-balancer';
export const NETWORK_NAME = 'paddock';
