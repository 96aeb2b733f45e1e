/**
 * What the grey-cell detector may do in AWS. It is not a runbook task (those declare their grants in
 * their manifest, `runbooks/<name>.json`) but a scheduled function of its own.
 */
import { DETECTOR_SOURCE, GREY_FAILURE_DETAIL_TYPE } from '../../domain/incidents/event-types.ts';
import type { TaskGrant } from '../../runbooks/task-spec.ts';

export const DETECTOR_GRANTS: readonly TaskGrant[] = [
  {
    actions: ['xray:GetTimeSeriesServiceStatistics', 'xray:GetInsightSummaries'],
    scope: 'unscoped',
    why: 'X-Ray statistics and insight reads support no resource-level permissions',
  },
  {
    actions: ['events:PutEvents'],
    scope: 'event-bus',
    // Its own incidents only: it must not be able to pass for an operator's request. Both keys
    // are multivalued (a PutEvents carries the source and detail-type of each of its entries), so
    // every value must match (ForAllValues), and both must be there (Null false): ForAllValues
    // alone would also match a request that carries no value at all.
    conditions: {
      'ForAllValues:StringEquals': {
        'events:source': [DETECTOR_SOURCE],
        'events:detail-type': [GREY_FAILURE_DETAIL_TYPE],
      },
      Null: { 'events:source': ['false'], 'events:detail-type': ['false'] },
    },
  },
];
