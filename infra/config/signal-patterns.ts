/**
 * The EventBridge rules that start dispatch, as plain data worked out from the config: one rule
 * per signal source, naming exactly what it accepts (the deployment's alarms by prefix, the
 * fleets' X-Ray groups, the grey-cell detector's incidents, operators' requests). The CDK app
 * builds its rules from this (`infra/constructs/signal-rules.ts`, checked against the synthesized
 * template by a test) and the game day matches its simulated events against it, so both see the
 * same patterns without the simulation running CDK.
 */
import { ALARM_STATE_CHANGE_DETAIL_TYPE } from '../../contracts/cloudwatch-alarm-event.ts';
import { XRAY_INSIGHT_DETAIL_TYPE } from '../../detectors/signals/signal-events.ts';
import {
  DETECTOR_SOURCE,
  GREY_FAILURE_DETAIL_TYPE,
  OPERATOR_DETAIL_TYPE,
  OPERATOR_SOURCE,
} from '../../domain/incidents/event-types.ts';
import { alarmsOf } from './derived.ts';
import type { SelfhealConfig } from './schema.ts';

/** A pattern leaf: exact values, or a prefix filter (all the rules need). */
export type PatternLeaf = readonly (string | { prefix: string })[];
export type DetailPattern = { [field: string]: PatternLeaf | DetailPattern };

/** As the template's `EventPattern` holds it: `detail-type`, not CDK's `detailType`. */
export type SignalPattern = {
  source: string[];
  'detail-type': string[];
  detail?: DetailPattern;
};

export interface SignalRule {
  /** The construct id in the stack. */
  id: string;
  /** `<deployment>-<id in kebab case>`: the rule's name in the account. */
  name: string;
  description: string;
  pattern: SignalPattern;
}

/** `XRayInsights` -> `x-ray-insights`. */
const kebab = (id: string): string =>
  id.replace(/[A-Z]/g, (c, i: number) => `${i > 0 ? '-' : ''}${c.toLowerCase()}`);

/** Every rule whose target is dispatch, in the order the stack creates them. */
export function signalRulesOf(config: SelfhealConfig): SignalRule[] {
  const deployment = config.deployment;
  const rule = (id: string, description: string, pattern: SignalPattern): SignalRule => ({
    id,
    name: `${deployment}-${kebab(id)}`,
    description: `${description}: to dispatch`,
    pattern,
  });
  const rules: SignalRule[] = [];
  if (alarmsOf(config).length > 0) {
    rules.push(
      rule('Alarms', 'CloudWatch alarms of the protected resources going to ALARM', {
        source: ['aws.cloudwatch'],
        'detail-type': [ALARM_STATE_CHANGE_DETAIL_TYPE],
        // By the deployment's prefix, not name by name: an event pattern holds 2,048 characters.
        // Dispatch's routing matches each alarm exactly and records any other as unrouted.
        detail: { alarmName: [{ prefix: `${deployment}-` }], state: { value: ['ALARM'] } },
      }),
    );
  }
  const fleets = Object.values(config.fleets);
  const xrayGroups = [...new Set(fleets.map((fleet) => fleet.detector.xrayGroup))];
  if (xrayGroups.length > 0) {
    rules.push(
      rule('XRayInsights', "X-Ray insights of the fleets' groups", {
        source: ['aws.xray'],
        'detail-type': [XRAY_INSIGHT_DETAIL_TYPE],
        detail: { GroupName: xrayGroups },
      }),
    );
  }
  if (fleets.length > 0) {
    rules.push(
      rule('GreyCells', "The grey-cell detector's incidents", {
        source: [DETECTOR_SOURCE],
        'detail-type': [GREY_FAILURE_DETAIL_TYPE],
      }),
    );
  }
  rules.push(
    rule('OperatorRequests', "Operators' remediation requests", {
      source: [OPERATOR_SOURCE],
      'detail-type': [OPERATOR_DETAIL_TYPE],
    }),
  );
  return rules;
}
