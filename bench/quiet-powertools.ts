/**
 * Powertools outside Lambda, as the tests configure it (vitest.config.ts): no logs, no EMF metrics,
 * no tracing. Imported before anything that loads a handler, since Powertools reads these at import.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.POWERTOOLS_SERVICE_NAME ??= 'selfheal';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'selfheal';
