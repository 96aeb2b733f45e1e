/**
 * What dispatch hands the runbook an incident is routed to, besides the guardrails' dry-run flag:
 * the resource, and the configuration a signal cannot carry: for a table its policy (empty: the
 * runbook's defaults); for a queue its queue, the downstream health to judge and the policy; for a
 * cell its fleet's routing controls and limits. An incident whose resource is not configured gets a reason
 * instead, and is recorded as unhandled: dispatch never starts a runbook it cannot describe.
 */
import type { JsonObject } from '../../core/json.ts';
import { resourceKey, type Incident } from '../../domain/incidents/incident.ts';
import type { Routing } from './routes.ts';

export type RunbookInput = { input: JsonObject } | { reason: string };

export function runbookInputFor(incident: Incident, routing: Routing): RunbookInput {
  const { resource } = incident;
  switch (incident.kind) {
    case 'table-capacity':
    case 'hot-key': {
      // An own key only: a table named `constructor` must not find Object.prototype's.
      const tables = routing.tables;
      const target = tables && Object.hasOwn(tables, resource.name) ? tables[resource.name] : undefined;
      // A table incident on anything but a table (an operator's request may name any type) would
      // act on the table of that name under another resource's lock and cooldown.
      if (resource.type !== 'dynamodb-table') {
        return {
          reason: `${resourceKey(resource)} is not a DynamoDB table: a ${incident.kind} incident acts on a table`,
        };
      }
      // A deployment's routing lists the tables it protects (the alarm rule matches its alarms by
      // prefix, and another deployment's `<name>-staging-...` alarm shares it): any other is not ours.
      if (tables && !target) {
        return {
          reason: `${resourceKey(resource)} is not a table this deployment protects (routing.tables names them)`,
        };
      }
      return { input: { tableName: resource.name, policy: { ...target?.policy } } };
    }
    case 'queue-backpressure': {
      const mappings = routing.mappings ?? {};
      const target = Object.hasOwn(mappings, resource.name) ? mappings[resource.name] : undefined;
      if (resource.type !== 'event-source-mapping' || !target) {
        return {
          reason: `${resourceKey(resource)} is not a configured event-source mapping (routing.mappings names its queue and downstream health)`,
        };
      }
      return {
        input: {
          mappingId: resource.name,
          queueUrl: target.queueUrl,
          incidentId: incident.id,
          health: { ...target.health },
          policy: { ...target.policy },
        },
      };
    }
    case 'cell-grey-failure': {
      const fleets = Object.entries(routing.fleets ?? {});
      const found = fleets.find(([, fleet]) => fleet.cells.some((cell) => cell.name === resource.name));
      if (resource.type !== 'cell' || !found) {
        return {
          reason: `${resourceKey(resource)} is in no configured fleet (routing.fleets names each fleet's cells and routing controls)`,
        };
      }
      const [name, fleet] = found;
      return {
        input: {
          cell: resource.name,
          incidentId: incident.id,
          fleet: { name, tracedShare: fleet.tracedShare, cells: fleet.cells.map((cell) => ({ ...cell })) },
          safety: { ...fleet.safety },
          approval: { ...fleet.approval },
          recovery: { ...fleet.recovery },
        },
      };
    }
  }
}
