/**
 * RoutingControlPort over Route 53 weighted records, for fleets without Route 53 ARC: each cell's
 * traffic is one record of a weighted record set (same name and type, one SetIdentifier per cell),
 * and the cell's "routing control" is that record's Weight. On is a weight above 0 (the cell's
 * configured On weight when selfheal turns it on), Off is weight 0.
 *
 * What weight 0 means to Route 53: it sends a record of weight 0 no traffic while any other record
 * of the set has a weight above 0. When every record of the set is 0, Route 53 answers with all of
 * them with equal probability, so turning the last cell off would turn every cell back on. ARC's
 * safety rules refuse that; Route 53 does not, but the runbook's own safety rules never turn all
 * cells off. (With health checks on the records, Route 53 also falls back to weight-0 records when
 * every record above 0 is unhealthy.)
 *
 * Requests:
 *  - GetRoutingControlState is one ListResourceRecordSets starting at the cell's record (name, type,
 *    SetIdentifier) with MaxItems 1. Route 53 lists from the first record at or after that position,
 *    so the answer is checked to be the cell's own weighted record; anything else means the record
 *    does not exist, which is a ResourceNotFoundException, as ARC names an unknown control. The
 *    listing includes changes still PENDING, so a read right after an update sees it.
 *  - UpdateRoutingControlStates reads every named cell's record (to keep its TTL and
 *    ResourceRecords or AliasTarget, HealthCheckId, ...) and UPSERTs it with the new Weight: all
 *    the changes of one hosted zone go in ONE ChangeResourceRecordSets call, which Route 53 applies
 *    atomically, as ARC applies a multi-control update; zones are changed one after the other, so
 *    an update across zones is atomic per zone only. A record already at the weight asked for is
 *    not rewritten, and a zone left with no change gets no call. Updates set weights rather than
 *    toggle them, so repeating one is safe. Route 53 has no conditional write: a change someone
 *    makes to the record between the read and the UPSERT is overwritten.
 *  - The request is checked before any call, as ARC checks it: an identifier no cell has is a
 *    ResourceNotFoundException; no entries, a cell twice, a state other than On/Off or a
 *    SafetyRulesToOverride (weighted records have no safety rules) is a ValidationException.
 *
 * Route 53's own errors propagate as the SDK raised them, for the caller to classify
 * (`domain/errors.ts`): the SDK client has already retried throttling (Throttling,
 * PriorRequestNotComplete) by then. Route 53 applies an accepted change to its DNS servers within
 * about a minute (the change is PENDING until then), much as DNS follows an ARC change.
 */
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import type { Change, ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import type { RoutingControlState } from '@aws-sdk/client-route53-recovery-cluster';
import type { RoutingControlPort } from '../domain/cells/routing-port.ts';

/** Which weighted record carries one cell's traffic. */
export interface WeightedCell {
  /**
   * The identifier the fleet config uses for this cell (its `routingControlArn`): with this adapter
   * any string unique in the fleet, not necessarily an ARC ARN.
   */
  routingControlArn: string;
  /** The hosted zone holding the record, e.g. `Z0123456789ABCDEFGHIJ` (or `/hostedzone/Z…`). */
  hostedZoneId: string;
  /** The weighted set's DNS name, e.g. `api.example.com` (a trailing dot is optional). */
  recordName: string;
  recordType: 'A' | 'AAAA' | 'CNAME';
  /** The cell's record in the set. */
  setIdentifier: string;
  /** The weight the record gets when selfheal turns the cell On: an integer from 1 to 255. */
  weight: number;
}

/** Route 53's limit on a change batch's Comment. */
const MAX_COMMENT = 256;

/**
 * An error named as ARC names it (`ResourceNotFoundException`, `ValidationException`), so callers
 * tell it apart by name exactly as they do with the ARC adapter's errors.
 */
class WeightedRoutingError extends Error {
  readonly $fault = 'client';

  constructor(name: 'ResourceNotFoundException' | 'ValidationException', message: string) {
    super(message);
    this.name = name;
  }
}

export function weightedRecordsAdapter(
  client: Route53Client,
  cells: readonly WeightedCell[],
): RoutingControlPort {
  const byArn = indexCells(cells);

  function cellOf(arn: string | undefined): WeightedCell {
    if (arn === undefined || arn === '') {
      throw new WeightedRoutingError('ValidationException', 'RoutingControlArn is required');
    }
    const cell = byArn.get(arn);
    if (!cell) {
      throw new WeightedRoutingError(
        'ResourceNotFoundException',
        `No cell's weighted record is configured for routing control ${arn}`,
      );
    }
    return cell;
  }

  async function readRecord(cell: WeightedCell): Promise<ResourceRecordSet> {
    const answer = await client.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: cell.hostedZoneId,
        StartRecordName: cell.recordName,
        StartRecordType: cell.recordType,
        StartRecordIdentifier: cell.setIdentifier,
        MaxItems: 1,
      }),
    );
    const record = answer.ResourceRecordSets?.find((r) => isCellRecord(r, cell));
    if (!record) {
      throw new WeightedRoutingError(
        'ResourceNotFoundException',
        `No weighted ${cell.recordType} record ${cell.recordName} with SetIdentifier ` +
          `${cell.setIdentifier} in hosted zone ${cell.hostedZoneId}`,
      );
    }
    return record;
  }

  return {
    async getRoutingControlState(input) {
      const cell = cellOf(input.RoutingControlArn);
      const record = await readRecord(cell);
      return {
        RoutingControlArn: cell.routingControlArn,
        RoutingControlState: stateOf(record),
        RoutingControlName: cell.setIdentifier,
      };
    },

    async updateRoutingControlStates(input) {
      const wanted = checkUpdate(input.UpdateRoutingControlStateEntries ?? [], cellOf);
      if (input.SafetyRulesToOverride !== undefined && input.SafetyRulesToOverride.length > 0) {
        throw new WeightedRoutingError(
          'ValidationException',
          'Weighted records have no safety rules to override',
        );
      }

      // Read everything first, one call at a time (Route 53 allows five requests a second per
      // account), so that a missing record fails the update before any zone is changed.
      const zones = new Map<string, { hostedZoneId: string; changes: Change[]; done: string[] }>();
      for (const { cell, state } of wanted) {
        const record = await readRecord(cell);
        const weight = state === 'On' ? cell.weight : 0;
        if (record.Weight === weight) continue;
        const key = zoneKey(cell.hostedZoneId);
        const zone = zones.get(key) ?? { hostedZoneId: cell.hostedZoneId, changes: [], done: [] };
        zones.set(key, zone);
        zone.changes.push({ Action: 'UPSERT', ResourceRecordSet: { ...record, Weight: weight } });
        zone.done.push(`${cell.setIdentifier} ${state} (weight ${weight})`);
      }

      for (const zone of zones.values()) {
        await client.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: zone.hostedZoneId,
            ChangeBatch: { Comment: comment(zone.done), Changes: zone.changes },
          }),
        );
      }
      return {};
    },
  };
}

function indexCells(cells: readonly WeightedCell[]): Map<string, WeightedCell> {
  if (cells.length === 0) {
    throw new Error('weightedRecordsAdapter: at least one cell and its weighted record are required');
  }
  const byArn = new Map<string, WeightedCell>();
  const records = new Set<string>();
  for (const cell of cells) {
    if (byArn.has(cell.routingControlArn)) {
      throw new Error(`weightedRecordsAdapter: two cells use routing control ${cell.routingControlArn}`);
    }
    if (!Number.isInteger(cell.weight) || cell.weight < 1 || cell.weight > 255) {
      throw new Error(
        `weightedRecordsAdapter: cell ${cell.routingControlArn} has On weight ${cell.weight}, ` +
          'not an integer from 1 to 255',
      );
    }
    const record = [
      zoneKey(cell.hostedZoneId),
      dnsName(cell.recordName),
      cell.recordType,
      cell.setIdentifier,
    ];
    const recordKey = JSON.stringify(record);
    if (records.has(recordKey)) {
      throw new Error(
        `weightedRecordsAdapter: two cells use the record ${cell.recordName} ${cell.recordType} ` +
          `${cell.setIdentifier} in hosted zone ${cell.hostedZoneId}`,
      );
    }
    byArn.set(cell.routingControlArn, cell);
    records.add(recordKey);
  }
  return byArn;
}

/** The update's entries as cells and states, or ARC's error for the first wrong one. */
function checkUpdate(
  entries: readonly { RoutingControlArn?: string | undefined; RoutingControlState?: string | undefined }[],
  cellOf: (arn: string | undefined) => WeightedCell,
): { cell: WeightedCell; state: RoutingControlState }[] {
  if (entries.length === 0) {
    throw new WeightedRoutingError('ValidationException', 'UpdateRoutingControlStateEntries is empty');
  }
  const wanted: { cell: WeightedCell; state: RoutingControlState }[] = [];
  for (const entry of entries) {
    const cell = cellOf(entry.RoutingControlArn);
    const state = entry.RoutingControlState;
    if (state !== 'On' && state !== 'Off') {
      throw new WeightedRoutingError(
        'ValidationException',
        `RoutingControlState of ${cell.routingControlArn} is ${String(state)}, not On or Off`,
      );
    }
    if (wanted.some((w) => w.cell === cell)) {
      throw new WeightedRoutingError(
        'ValidationException',
        `Routing control ${cell.routingControlArn} appears twice in one update`,
      );
    }
    wanted.push({ cell, state });
  }
  return wanted;
}

function stateOf(record: ResourceRecordSet): RoutingControlState {
  return (record.Weight ?? 0) > 0 ? 'On' : 'Off';
}

/** The cell's own record: its name, type and SetIdentifier, and weighted. */
function isCellRecord(record: ResourceRecordSet, cell: WeightedCell): boolean {
  return (
    record.Name !== undefined &&
    dnsName(record.Name) === dnsName(cell.recordName) &&
    record.Type === cell.recordType &&
    record.SetIdentifier === cell.setIdentifier &&
    record.Weight !== undefined
  );
}

/**
 * A DNS name as Route 53 compares it: case-insensitive, fully qualified, with the octal escapes
 * it lists special characters in (`\052` for `*`) decoded.
 */
function dnsName(name: string): string {
  const decoded = name
    .replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))
    .toLowerCase();
  return decoded.endsWith('.') ? decoded : `${decoded}.`;
}

/** The SDK accepts a zone's id with or without its `/hostedzone/` prefix. */
function zoneKey(hostedZoneId: string): string {
  return hostedZoneId.replace(/^\/hostedzone\//, '');
}

function comment(done: readonly string[]): string {
  const text = `selfheal cell traffic shift turned ${done.join(', ')}`;
  return text.length <= MAX_COMMENT ? text : `${text.slice(0, MAX_COMMENT - 3)}...`;
}
