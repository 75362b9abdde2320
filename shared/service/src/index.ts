/**
 * @weir/service: what every weir service shares around its own work — the logger, the
 * health/readiness/metrics endpoints, and graceful shutdown.
 */
export { httpEnv, logEnv, portEnv, registryEnv, shutdownTimeoutEnv } from './env.js';
export { serviceLogger, logLevelFromEnv, type Logger } from './logger.js';
export { redactUrl } from './redact-url.js';
export { createServiceHttp, type ServiceHttp, type ServiceHttpOptions } from './http.js';
export {
  cachedReadiness,
  readinessOf,
  type Readiness,
  type ReadinessCheck,
  type ReadinessCheckResult,
  type ReadinessReport,
} from './readiness.js';
export { gracefulShutdown, pause, type GracefulShutdown, type ShutdownHost, type ShutdownOptions, type ShutdownStep } from './shutdown.js';
export { registryCheck, type RegistryCheckConfig } from './registry-check.js';
export { runnerContext, runStageService, type StageRunContext, type StageServiceOptions } from './stage-service.js';
export { printServiceHelp } from './help.js';
export { connectionProblems, groupPrefixEnv, namespaceEnv } from './stage-env.js';
