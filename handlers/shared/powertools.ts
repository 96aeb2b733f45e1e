/**
 * Powertools for AWS Lambda, configured once per process as its users expect: service name and
 * namespace from POWERTOOLS_* environment variables (set by the CDK app; silenced locally). The
 * tracer is loaded apart, and only where it traces (./tracing.ts).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'selfheal';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'selfheal',
  // Its own warnings (an invocation with no metrics) go through the logger, at the logger's level.
  logger,
});
// The tracer is not made here: ./tracing.ts loads it only in Lambda with tracing on.
