/**
 * `selfheal ledger [--resource R] [--day YYYY-MM-DD]`: the audit records of the local deployment,
 * oldest first: every incident, decision, action and outcome.
 */
import { EXIT, UsageError } from '../exit-codes.ts';
import { parseOptions } from '../options.ts';
import type { Command } from '../main.ts';
import { scanAll, stateFilePath } from '../../engine/local-state.ts';
import { withLocalTables } from '../local-deployment.ts';
import { DEFAULT_DISPATCH_TABLES } from '../../domain/dispatch/tables.ts';
import { byLedgerOrder, queryLedger, recordOf } from '../../domain/dispatch/ledger.ts';
import { renderLedger } from '../render/ledger-table.ts';

const USAGE = `Usage: selfheal ledger [--resource R] [--day YYYY-MM-DD] [--state FILE] [--json]

Lists the audit ledger of the local deployment, oldest first.

Options:
  --resource R   one resource's records, e.g. dynamodb-table/orders (or unrouted)
  --day D        the records of one day (UTC), through the ledger's by-day index
  --state FILE   the local deployment's state (default .selfheal/local-state.json)
  --json         print the records as JSON`;

export const ledgerCommand: Command = {
  name: 'ledger',
  summary: 'list the audit ledger: incidents, decisions, actions and outcomes',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      resource: { type: 'string' },
      day: { type: 'string' },
      state: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (values.day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.day)) {
      throw new UsageError(`--day must be YYYY-MM-DD, got "${values.day}"`);
    }
    const table = DEFAULT_DISPATCH_TABLES.ledger;
    const records = await withLocalTables(stateFilePath(values.state), async (dynamodb) => {
      if (values.resource !== undefined) return queryLedger(dynamodb, table, { resource: values.resource });
      if (values.day !== undefined) return queryLedger(dynamodb, table, { day: values.day });
      return (await scanAll(dynamodb, table)).sort(byLedgerOrder).map(recordOf);
    });
    const shown =
      values.day && values.resource ? records.filter((r) => r.at.startsWith(values.day as string)) : records;
    if (values.json) console.log(JSON.stringify(shown, null, 2));
    else console.log(shown.length > 0 ? renderLedger(shown) : '(no records)');
    return EXIT.ok;
  },
};
