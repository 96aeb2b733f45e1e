/**
 * RoutingControlPort over a Route 53 ARC cluster. The data plane answers at the cluster's regional
 * endpoints, any of which may be down (AWS cycles them through maintenance) while at least three of
 * the five stay up; AWS's advice is to try them in rotation until one answers. So each call goes to
 * one endpoint and moves to the next only when that endpoint is unavailable (throttled, a 5xx, a
 * network failure or timeout): an error about the request itself (ValidationException when a
 * safety rule refuses an update, ResourceNotFoundException, AccessDeniedException,
 * ConflictException, ...) would be the same from every endpoint, so it propagates at once, as the
 * SDK raised it, for the caller to classify. Updates set states rather than toggle them, so
 * resending one that timed out on an endpoint (and may have landed) to the next one is safe.
 * Answers lose `$metadata`, as in the other adapters.
 */
import {
  GetRoutingControlStateCommand,
  UpdateRoutingControlStatesCommand,
} from '@aws-sdk/client-route53-recovery-cluster';
import type { Route53RecoveryClusterClient } from '@aws-sdk/client-route53-recovery-cluster';
import type { RoutingControlPort } from '../domain/cells/routing-port.ts';
import { AwsTransientError } from '../domain/errors.ts';
import { createRecoveryClusterClient } from './aws-clients.ts';

/** One of the cluster's endpoints, as DescribeCluster's ClusterEndpoints give it. */
export interface ClusterEndpoint {
  /** The endpoint URL, e.g. `https://host-dzcbd2.us-west-2.example.com/v1`. */
  endpoint: string;
  /** The region the endpoint is in, which requests to it are signed for. */
  region: string;
}

export interface RecoveryClusterOptions {
  /** Builds one endpoint's client; tests hand out mocked instances. */
  createClient?: (endpoint: string, region: string) => Route53RecoveryClusterClient;
  /**
   * Index of the endpoint the first call tries first (taken modulo the number of endpoints).
   * Random by default, so that many Lambda processes spread their calls over the cluster.
   */
  firstEndpoint?: number;
}

/** Errors that say "this endpoint cannot answer now", not "the request is wrong". */
const ENDPOINT_UNAVAILABLE = new Set([
  'EndpointTemporarilyUnavailableException',
  'InternalServerException',
  'ThrottlingException',
  // The SDK's HTTP handler names its connection and request timeouts so.
  'TimeoutError',
  'NetworkingError',
]);
/** Socket failures Node reports in `code`, under the name 'Error'. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

export function recoveryClusterAdapter(
  endpoints: readonly ClusterEndpoint[],
  options: RecoveryClusterOptions = {},
): RoutingControlPort {
  if (endpoints.length === 0) {
    throw new Error('recoveryClusterAdapter: a Route 53 ARC cluster has at least one endpoint');
  }
  const createClient = options.createClient ?? createRecoveryClusterClient;
  // One client per endpoint, for the adapter's life: clients keep their connections warm.
  const targets = endpoints.map(({ endpoint, region }) => ({
    name: `${endpoint} (${region})`,
    client: createClient(endpoint, region),
  }));
  let first = (options.firstEndpoint ?? Math.floor(Math.random() * targets.length)) % targets.length;

  async function call<T>(
    what: string,
    send: (client: Route53RecoveryClusterClient) => Promise<T>,
  ): Promise<T> {
    const failures: unknown[] = [];
    const reasons: string[] = [];
    for (let i = 0; i < targets.length; i++) {
      const index = (first + i) % targets.length;
      const target = targets[index]!;
      try {
        const answer = await send(target.client);
        // Start from an endpoint that answers next time, rather than from one known to be down.
        first = index;
        return answer;
      } catch (error) {
        if (!endpointUnavailable(error)) throw error;
        failures.push(error);
        reasons.push(`${target.name}: ${describe(error)}`);
      }
    }
    // Retryable: endpoints come back from maintenance, and ARC keeps a majority of them up.
    const message = `${what}: every Route 53 ARC cluster endpoint failed (${reasons.join('; ')})`;
    throw new AwsTransientError(message, { cause: new AggregateError(failures, message) });
  }

  return {
    getRoutingControlState(input) {
      return call('GetRoutingControlState', async (client) => {
        const { $metadata: _metadata, ...answer } = await client.send(
          new GetRoutingControlStateCommand(input),
        );
        return answer;
      });
    },

    updateRoutingControlStates(input) {
      return call('UpdateRoutingControlStates', async (client) => {
        const { $metadata: _metadata, ...answer } = await client.send(
          new UpdateRoutingControlStatesCommand(input),
        );
        return answer;
      });
    },
  };
}

/**
 * Anything not recognised as the endpoint's trouble propagates: asking four more endpoints the
 * same question would only bury the first answer under four copies of it.
 */
function endpointUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, $fault } = error as { code?: unknown; $fault?: unknown };
  return (
    ENDPOINT_UNAVAILABLE.has(error.name) ||
    // Any 5xx, including one a load balancer answers before the service does.
    $fault === 'server' ||
    (typeof code === 'string' && NETWORK_CODES.has(code))
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
