/** What the key reshuffle and merge touch: the protected table, Contributor Insights, the control table. */
import type { CloudWatchPort, DynamoDbPort } from '../ports.ts';

export interface ReshufflePorts {
  dynamodb: DynamoDbPort;
  cloudwatch: CloudWatchPort;
  now: () => number;
  /** Holds shard maps and the mover's journals (selfheal's control table). */
  controlTable: string;
}
