/**
 * `npm run bench:readme`: regenerates the README's results section (between `<!-- bench:start -->`
 * and `<!-- bench:end -->`) from `bench/results.json`, formatted as Prettier formats the README.
 *
 *   --print        print the section instead of writing the README
 *   --check        change nothing; exit 1 if the README's section is not what the results give
 *   --readme FILE  another Markdown file than README.md
 *   --results FILE another results file than bench/results.json
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { readResults } from './results.ts';
import { renderResults, replaceResultsSection } from './render-results.ts';

const { values } = parseArgs({
  options: {
    print: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    readme: { type: 'string' },
    results: { type: 'string' },
  },
});
const README = values.readme ?? fileURLToPath(new URL('../README.md', import.meta.url));

const results = await readResults(values.results);
if (!results) {
  console.error(
    `bench:readme: no ${values.results ?? 'bench/results.json'} yet; run \`npm run bench\` first`,
  );
  process.exit(2);
}
const section = renderResults(results);
if (values.print) {
  console.log(section);
  process.exit(0);
}
const readme = await readFile(README, 'utf8');
let next: string;
try {
  next = await format(replaceResultsSection(readme, section), {
    ...(await resolveConfig(README)),
    filepath: README,
  });
} catch (error) {
  console.error(`bench:readme: ${(error as Error).message}`);
  process.exit(2);
}
if (values.check) {
  if (next !== readme) {
    console.error('bench:readme: the README results section is out of date; run `npm run bench:readme`');
    process.exit(1);
  }
  console.log('bench:readme: the README results section is up to date');
} else if (next === readme) {
  console.log(`bench:readme: ${README} already up to date`);
} else {
  await writeFile(README, next);
  console.log(`bench:readme: ${README} results section regenerated`);
}
