/**
 * `selfheal ledger [--resource R] [--day YYYY-MM-DD]`: the audit records of a deployment in AWS,
 * or with --local of the local deployment, oldest first: every incident, decision, action and
 * outcome.
 */
import { EXIT, UsageError } from '../exit-codes.ts';
import { parseOptions } from '../options.ts';
import type { Command } from '../command.ts';
import { TARGET_OPTIONS, TARGET_USAGE, targetFrom } from '../target.ts';
import { withDispatchTables } from '../dispatch-tables.ts';
import { COMMON_USAGE } from '../usage.ts';
import { scanAll } from '../../local/state-file.ts';
import { byLedgerOrder, queryLedger, recordOf } from '../../domain/dispatch/ledger.ts';
import { renderLedger } from '../render/ledger-table.ts';

const USAGE = `Usage: selfheal ledger [--resource R] [--day YYYY-MM-DD] [--json]
                       [--local [--state FILE] | --deployment NAME --region R]

Lists the audit ledger of a deployment in AWS (or, with --local, of the local deployment), oldest
first.

Options:
  --resource R   one resource's records, e.g. dynamodb-table/orders (or unrouted)
  --day D        the records of one day (UTC), through the ledger's by-day index
  --json         print the records as JSON
${COMMON_USAGE}
Without --resource or --day: in AWS, today's records (UTC, through the by-day index, so the
read stays bounded); with --local, every record.

${TARGET_USAGE}

Exit codes: 0 listed (even none), 1 AWS refused the caller, 2 usage error (or no such deployment).`;

export const ledgerCommand: Command = {
  name: 'ledger',
  summary: 'list the audit ledger: incidents, decisions, actions and outcomes',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      ...TARGET_OPTIONS,
      resource: { type: 'string' },
      day: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (values.day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.day)) {
      throw new UsageError(`--day must be YYYY-MM-DD, got "${values.day}"`);
    }
    const target = targetFrom(values);
    // A whole table in AWS is unbounded (a year of alarm storms): there, no filter means today.
    const today = new Date().toISOString().slice(0, 10);
    const day = values.day ?? (values.resource === undefined && target.kind === 'aws' ? today : undefined);

    const records = await withDispatchTables(target, 'read', async ({ dynamodb, tables }) => {
      if (values.resource !== undefined)
        return queryLedger(dynamodb, tables.ledger, { resource: values.resource });
      if (day !== undefined) return queryLedger(dynamodb, tables.ledger, { day });
      return (await scanAll(dynamodb, tables.ledger)).sort(byLedgerOrder).map(recordOf);
    });
    // A resource's partition has every day: the day is picked here.
    const shown =
      values.resource !== undefined && day !== undefined
        ? records.filter((r) => r.at.startsWith(day))
        : records;
    if (values.json) console.log(JSON.stringify(shown, null, 2));
    else {
      if (values.day === undefined && day !== undefined)
        console.log(`Today's records (${day} UTC); --day D for another day:`);
      console.log(shown.length > 0 ? renderLedger(shown) : '(no records)');
    }
    return EXIT.ok;
  },
};
