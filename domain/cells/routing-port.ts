/**
 * Route 53 Application Recovery Controller's data plane, as the cell traffic shift uses it: a
 * routing control per cell, On (the cell takes traffic) or Off (its health check fails and DNS
 * sends its share to the cells still On). In the SDK's own shapes, as the other ports.
 *
 * The cluster has several regional endpoints; AWS advises trying each in turn until one answers,
 * since any of them may be unavailable. Production binds this port to an adapter that does that
 * (`adapters/route53-recovery-cluster.ts`), the local engine to the simulated cell fleet.
 * Safety rules set on the control panel (at least N cells On) are enforced by ARC too: an update
 * that would break one fails with ValidationException, whatever selfheal checked before.
 */
import type {
  GetRoutingControlStateRequest,
  GetRoutingControlStateResponse,
  UpdateRoutingControlStatesRequest,
  UpdateRoutingControlStatesResponse,
} from '@aws-sdk/client-route53-recovery-cluster';

export interface RoutingControlPort {
  getRoutingControlState(input: GetRoutingControlStateRequest): Promise<GetRoutingControlStateResponse>;
  updateRoutingControlStates(
    input: UpdateRoutingControlStatesRequest,
  ): Promise<UpdateRoutingControlStatesResponse>;
}
