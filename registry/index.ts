export { Registry } from './registry.js';
export { RegistryError, invalid, type RegistryErrorKind } from './errors.js';
export { RegistryOpenError, latestSchemaVersion, openDb, type Db } from './db.js';
export { validateEntity, formatErrors, deepFreeze, type EntityKind, type Validated } from './validation.js';
export type { WriteOrigin, AuditActor, AuditEntry, AuditRetention } from './audit-repo.js';
export { MASK, isPlainName, isSealed } from './secret-fields.js';
export {
  isUpstreamUrl,
  maskRoute,
  openRouteHeaders,
  type AuthSpec,
  type BucketSpec,
  type CanarySpec,
  type CorsSpec,
  type HeaderRulesSpec,
  type MatchPredicate,
  type RateLimitSpec,
  type RetrySpec,
  type RouteSpec,
} from './routes-repo.js';
export type { UpstreamSpec, UpstreamTarget } from './upstreams-repo.js';
export { hashApiKey, type ConsumerJwtSpec, type ConsumerSpec, type ConsumerKeyInfo } from './consumers-repo.js';
export {
  consumerSettingsFor,
  consumerSettingsInfo,
  consumerSettingsPolicy,
  setConsumerSettings,
  type SettingNames,
  type ConsumerSettingsWrite,
  unsetConsumerSettings,
  type ConsumerSettingInfo,
  type ConsumerSettingsPolicy,
  type ConsumerSettingsTarget,
} from './consumer-settings.js';
export type {
  McpServerSpec,
  McpOAuthSpec,
  McpBackendSpec,
  HostedBackendSpec,
  RestBackendSpec,
  RemoteBackendSpec,
  StdioBackendSpec,
  BundleBackendSpec,
  McpLimitSpec,
  UpstreamAuthSpec,
} from './mcp-servers-repo.js';
export { maskMcpServer, openMcpServer } from './mcp-servers-repo.js';
export type { LlmProviderSpec, ModelPrice } from './llm-providers-repo.js';
export { llmRouteMatchKind, type LlmBudgetSpec, type LlmRouteSpec, type LlmRouteTarget } from './llm-routes-repo.js';
export { usageHour, type LlmUsageCounts, type LlmUsageKey, type LlmUsageQuery, type LlmUsageRow } from './llm-usage-repo.js';
export { shownEra, type McpEra, type McpMemberEra, type ShownEra } from './mcp-member-eras-repo.js';
export type { BackendHealthReport, GatewayInstance, McpBackendHealth, RedisHealth, UpstreamTargetHealth } from './gateway-instances-repo.js';
export { problemEntity, type ConfigCheck, type EntityRef } from './config-check.js';
export { packageRoot } from './package-root.js';
export { compileConfigRegex, ConfigRegexError, type ConfigRegex } from './config-regex.js';
export type { VaultGrant, VaultTokens } from './vault-tokens-repo.js';
