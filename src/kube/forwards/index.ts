/** Port-forwards that last, and the API proxy. */
export { ForwardManager, type ForwardManagerOptions, type ForwardStateChange } from './manager.js';
export { forwardHandlers, type ForwardOps } from './handlers.js';
export { startApiProxy, refusal, type ApiProxy } from './api-proxy.js';
export { parseTarget, parsePorts, parseRemotePort, formatTarget, type ForwardTarget, type PortPair, type RemotePort } from './target.js';
export { findServicePort, serviceTargetPort, containerPort, readyPods, isPodReady, selectorString } from './resolve.js';
