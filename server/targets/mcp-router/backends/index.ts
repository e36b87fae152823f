export { BackendHealth, type BackendState, type BackendStateChange, type SupervisedBackend } from './backend-health.js';
export {
  REMOTE_DEFAULTS,
  STDIO_DEFAULTS,
  resolveRemoteOptions,
  resolveStdioOptions,
  type RemoteBackendOptions,
  type RemoteBackendSpec,
  type RemoteTuning,
  type StdioBackendOptions,
  type StdioBackendSpec,
  type StdioTuning,
} from './options.js';
export { killAllGroups, liveGroupCount } from './process-group.js';
export { StdioBackend, createStdioBackendFactory, type StdioBackendDeps } from './stdio-backend.js';
export { RemoteBackend, createRemoteBackendFactory, type RemoteBackendDeps } from './remote-backend.js';
export { RemoteTransport, type RemoteTransportDeps } from './remote-transport.js';
