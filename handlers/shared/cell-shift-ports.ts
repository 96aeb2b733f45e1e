/**
 * The ports the cell-traffic-shift tasks use in AWS, built once per Lambda process on first use.
 * The ARC cluster's endpoints come from `SELFHEAL_ARC_CLUSTER_ENDPOINTS` (JSON, as DescribeCluster
 * lists them: `[{"Endpoint": "https://…", "Region": "us-west-2"}, …]`), set by the CDK app.
 */
import * as z from 'zod';
import type { CellShiftPorts } from '../../domain/cells/shift/ports.ts';
import { createXRayClient } from '../../adapters/aws-clients.ts';
import { xrayAdapter } from '../../adapters/xray.ts';
import { recoveryClusterAdapter } from '../../adapters/route53-recovery-cluster.ts';
import { parseOrThrow } from '../../domain/validation.ts';

const endpointsSchema = z
  .array(z.object({ Endpoint: z.url(), Region: z.string().min(1) }))
  .min(1, 'the cluster has at least one endpoint');

let ports: CellShiftPorts | undefined;

export function productionCellShiftPorts(): CellShiftPorts {
  ports ??= {
    xray: xrayAdapter(createXRayClient()),
    routing: recoveryClusterAdapter(
      parseOrThrow(
        endpointsSchema,
        JSON.parse(process.env.SELFHEAL_ARC_CLUSTER_ENDPOINTS ?? '[]'),
        'SELFHEAL_ARC_CLUSTER_ENDPOINTS',
      ).map((e) => ({ endpoint: e.Endpoint, region: e.Region })),
    ),
    now: () => Date.now(),
  };
  return ports;
}
