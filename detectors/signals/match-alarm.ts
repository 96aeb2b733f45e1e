/**
 * Which route an alarm takes: a route naming the alarm wins; otherwise the first route watching
 * one of the alarm's metrics (metric-math alarms included: their metricStat entries count). The
 * resource comes from that metric's dimension, or from the route.
 */
import type { ResourceRef } from '../../domain/incidents/incident.ts';
import type { CloudWatchAlarmEvent } from '../../contracts/cloudwatch-alarm-event.ts';
import type { AlarmRoute } from '../routing/routes.ts';

export type AlarmMatch = { route: AlarmRoute; resource: ResourceRef; metric?: string } | { reason: string };

interface WatchedMetric {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

export function matchAlarm(event: CloudWatchAlarmEvent, routes: readonly AlarmRoute[]): AlarmMatch {
  const { alarmName } = event.detail;
  const metrics = watchedMetrics(event);
  const byName = routes.find((r) => 'alarmName' in r.match && r.match.alarmName === alarmName);
  if (byName) return withResource(byName, metrics, alarmName);
  for (const route of routes) {
    if (!('namespace' in route.match)) continue;
    const { namespace, metricNames } = route.match;
    const watched = metrics.filter((m) => m.namespace === namespace && metricNames.includes(m.name));
    if (watched.length > 0) return withResource(route, watched, alarmName);
  }
  const described =
    metrics.length > 0 ? metrics.map((m) => `${m.namespace} ${m.name}`).join(', ') : 'no metrics';
  return { reason: `no route matches alarm ${alarmName} (${described})` };
}

function withResource(route: AlarmRoute, metrics: readonly WatchedMetric[], alarmName: string): AlarmMatch {
  const metric = metrics[0] ? `${metrics[0].namespace}/${metrics[0].name}` : undefined;
  if ('name' in route.resource) {
    return {
      route,
      resource: { type: route.resource.type, name: route.resource.name },
      ...(metric ? { metric } : {}),
    };
  }
  const dimension = route.resource.dimension;
  const names = [
    ...new Set(metrics.flatMap((m) => (m.dimensions[dimension] ? [m.dimensions[dimension]] : []))),
  ];
  if (names.length !== 1) {
    return {
      reason: `alarm ${alarmName} matches route ${route.name} but its metrics name ${names.length} ${dimension} values; exactly one is needed`,
    };
  }
  return {
    route,
    resource: { type: route.resource.type, name: names[0] as string },
    ...(metric ? { metric } : {}),
  };
}

function watchedMetrics(event: CloudWatchAlarmEvent): WatchedMetric[] {
  const { configuration } = event.detail;
  if (!('metrics' in configuration)) return [];
  return configuration.metrics.flatMap((entry) =>
    'metricStat' in entry
      ? [
          {
            namespace: entry.metricStat.metric.namespace,
            name: entry.metricStat.metric.name,
            dimensions: entry.metricStat.metric.dimensions ?? {},
          },
        ]
      : [],
  );
}
