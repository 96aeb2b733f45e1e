/**
 * What EventBridge accepts: an event is a JSON object, and its PutEvents entry must be smaller than
 * 256 KB. The entry's size is counted as "Calculating Amazon EventBridge PutEvents event entry
 * size" describes it: 14 bytes for Time if given, then the UTF-8 bytes of Source, DetailType,
 * Detail (as JSON) and each of Resources. An event EventBridge would refuse never reaches a rule,
 * so the local deployment refuses it too.
 */

/** "The total entry size must be less than 256KB." */
export const MAX_PUT_EVENTS_ENTRY_BYTES = 256 * 1024;

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** The PutEvents entry size of an event as EventBridge delivers it (source, detail-type, detail...). */
export function putEventsEntrySize(event: Record<string, unknown>): number {
  let size = event.time === undefined ? 0 : 14;
  if (typeof event.source === 'string') size += bytes(event.source);
  if (typeof event['detail-type'] === 'string') size += bytes(event['detail-type']);
  if (event.detail !== undefined) size += bytes(JSON.stringify(event.detail));
  if (Array.isArray(event.resources)) {
    for (const resource of event.resources) if (typeof resource === 'string') size += bytes(resource);
  }
  return size;
}

/** Why EventBridge would not accept this as an event, or undefined when it would. */
export function eventBridgeRefusal(event: unknown): string | undefined {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    const kind = event === null ? 'null' : Array.isArray(event) ? 'an array' : `a ${typeof event}`;
    return `an EventBridge event is a JSON object, not ${kind}`;
  }
  const size = putEventsEntrySize(event as Record<string, unknown>);
  if (size >= MAX_PUT_EVENTS_ENTRY_BYTES) {
    return `its PutEvents entry is ${size.toLocaleString('en-US')} bytes; EventBridge accepts less than 256 KB (${MAX_PUT_EVENTS_ENTRY_BYTES.toLocaleString('en-US')} bytes)`;
  }
  return undefined;
}
