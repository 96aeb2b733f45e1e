/** Task "Diagnose the table": capacity, load, throttling by cause, hot keys, auto scaling. */
import type { CapacityPorts } from '../domain/capacity/ports.ts';
import { diagnoseTable, type TableDiagnosis } from '../domain/capacity/diagnose.ts';
import { diagnoseInputSchema } from '../domain/capacity/schemas.ts';
import { parseOrThrow } from '../domain/validation.ts';
import { productionCapacityPorts } from './shared/capacity-ports.ts';
import { taskHandler } from './shared/task-handler.ts';

export const diagnoseTableTask =
  (ports: () => CapacityPorts) =>
  async (event: unknown): Promise<TableDiagnosis> => {
    const { request } = parseOrThrow(diagnoseInputSchema, event, 'The diagnose-table input');
    return diagnoseTable(ports(), request.tableName, request.policy);
  };

export const makeHandler = (ports: () => CapacityPorts = productionCapacityPorts) =>
  taskHandler('diagnose-table', diagnoseTableTask(ports));
export const handler = makeHandler();
