/**
 * New state changes of AWS's example alarm, as files for `selfheal dispatch --event`: each with its
 * own event id and state timestamp. The same event again would be a redelivery, which dispatch
 * decides only once.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXAMPLE_ALARM = fileURLToPath(
  new URL('../../contracts/examples/cloudwatch-alarm-metric.json', import.meta.url),
);

/** Writes the `n`th state change (1 to 59) of the example alarm into `dir`; its path. */
export async function alarmStateChange(dir: string, n: number): Promise<string> {
  const event = JSON.parse(await readFile(EXAMPLE_ALARM, 'utf8')) as {
    id: string;
    detail: { state: { timestamp: string } };
  };
  const tag = String(n).padStart(2, '0');
  event.id = `${event.id.slice(0, -2)}${tag}`;
  event.detail.state.timestamp = event.detail.state.timestamp.replace(/:\d\d\./, `:${tag}.`);
  const file = join(dir, `alarm-${tag}.json`);
  await writeFile(file, JSON.stringify(event));
  return file;
}
