/**
 * `npm run bench`: selfheal's performance figures, each a ratio measured side by side in one run
 * (never a timed assertion in a test). `--items N` sizes the reshuffle benchmark (default 5,000).
 */
import { parseArgs } from 'node:util';
import { measureReshuffleThroughput } from './reshuffle-throughput.ts';

const { values } = parseArgs({
  options: { items: { type: 'string', default: '5000' }, json: { type: 'boolean', default: false } },
});
const items = Number(values.items);
if (!Number.isInteger(items) || items < 100) {
  console.error('bench: --items must be a whole number of at least 100');
  process.exit(2);
}
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

const reshuffle = await measureReshuffleThroughput(items);
if (values.json) {
  console.log(JSON.stringify({ reshuffle }, null, 2));
} else {
  console.log(`Reshuffle vs raw BatchWriteItem, ${reshuffle.items} items, same dynalite, one run:`);
  console.log(`  BatchWriteItem (blind, 25 a request)      ${reshuffle.batchWriteItemsPerSecond} items/s`);
  console.log(`  reshuffle mover (conditional copy+delete) ${reshuffle.reshuffleItemsPerSecond} items/s`);
  console.log(`  ratio                                     ${reshuffle.ratio}`);
}
