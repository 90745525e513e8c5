export { startWebServer, type WebServer, type WebServerOptions } from './web-server.js';
export { createDispatcher, type Dispatcher, type Envelope, type InvokeOptions } from './dispatch.js';
export { JobTracker } from './jobs.js';
export { openBrowser, browserCommand } from './open-browser.js';
export { runWebUi, ensureRendererBuilt, type RunWebUiOptions } from './run-web-ui.js';
