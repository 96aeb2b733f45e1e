/**
 * Text from an event, made fit for one line of the audit ledger: line breaks, control characters
 * and lone surrogates (DynamoDB stores only well-formed UTF-8) become a space (a run of them one),
 * and anything past `max` characters is cut, marked with an ellipsis. Other text is kept as it is.
 */
// eslint-disable-next-line no-control-regex
const NOT_ON_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const flatten = (text: string): string =>
  text.replace(LONE_SURROGATE, '\u0000').replace(NOT_ON_ONE_LINE, ' ');

export function oneLine(text: string, max: number): string {
  const flat = flatten(text);
  return flat.length <= max ? flat : `${flatten(flat.slice(0, max - 1))}…`;
}
