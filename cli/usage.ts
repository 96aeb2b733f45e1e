/**
 * Help text every command shares, so each command's `--help` lists every flag it takes: the ones
 * `main` reads itself (`--help`, `--verbose`) besides the command's own and the target flags.
 */
export const COMMON_USAGE = `  --verbose          with an error, print its stack too
  --help, -h         this help`;
