/** Task "Check the request": validates the hot-shard input and fills the policy's defaults. */
import { parseCapacityRequest, type CapacityRequest } from '../domain/capacity/request.ts';
import { taskHandler } from './shared/task-handler.ts';

export const checkCapacityRequest = async (event: unknown): Promise<CapacityRequest> =>
  parseCapacityRequest(event);

export const makeHandler = () => taskHandler('check-capacity-request', checkCapacityRequest);
export const handler = makeHandler();
