#!/usr/bin/env node
// Entry point of the `selfheal` CLI. The CLI is TypeScript run by Node's own type stripping, which
// needs Node 22.18+; npm scripts and npx put the project's Node 22 (the node@22 devDependency)
// first on the PATH, so run it through them.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `selfheal needs Node.js 22.18 or newer, and this is ${process.version}. ` +
      "Run it through npm (npm start, npx selfheal ...) so the project's Node 22 is used.",
  );
  process.exit(2);
}
// Powertools inside the local engine: quiet unless asked otherwise.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.POWERTOOLS_SERVICE_NAME ??= 'selfheal';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'selfheal';

// V8's compiled code kept between runs (in the OS's temporary directory): the CLI loads a few
// megabytes of modules and handler bundles every time, the same ones.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();

const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
