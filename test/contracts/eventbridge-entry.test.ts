import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  eventBridgeRefusal,
  MAX_PUT_EVENTS_ENTRY_BYTES,
  putEventsEntrySize,
} from '../../contracts/eventbridge-entry.ts';

/** "Calculating Amazon EventBridge PutEvents event entry size", field by field. */
describe('putEventsEntrySize', () => {
  it('counts 14 bytes for a time, then the UTF-8 bytes of source, detail-type, detail and resources', () => {
    const event = {
      time: '2026-01-01T00:00:00Z',
      source: 'aws.cloudwatch',
      'detail-type': 'Süß',
      detail: { a: 1 },
      resources: ['arn:1', 'arn:22'],
      id: 'not counted',
    };
    expect(putEventsEntrySize(event)).toBe(14 + 14 + 5 + 7 + 5 + 6);
  });
});

describe('eventBridgeRefusal', () => {
  const examples = fileURLToPath(new URL('../../contracts/examples/', import.meta.url));

  it.each(readdirSync(examples).filter((f) => f.endsWith('.json')))('accepts the AWS example %s', (file) => {
    expect(eventBridgeRefusal(JSON.parse(readFileSync(examples + file, 'utf8')))).toBeUndefined();
  });

  it.each([
    [null, 'an EventBridge event is a JSON object, not null'],
    [[], 'an EventBridge event is a JSON object, not an array'],
    ['ALARM', 'an EventBridge event is a JSON object, not a string'],
    [7, 'an EventBridge event is a JSON object, not a number'],
  ])('refuses %j', (event, why) => {
    expect(eventBridgeRefusal(event)).toBe(why);
  });

  it('refuses an entry of 256 KB and accepts one a byte smaller', () => {
    const withDetail = (bytes: number) => ({ source: '', 'detail-type': '', detail: 'x'.repeat(bytes - 2) });
    expect(putEventsEntrySize(withDetail(MAX_PUT_EVENTS_ENTRY_BYTES))).toBe(MAX_PUT_EVENTS_ENTRY_BYTES);
    expect(eventBridgeRefusal(withDetail(MAX_PUT_EVENTS_ENTRY_BYTES))).toMatch(
      /^its PutEvents entry is 262,144 bytes/,
    );
    expect(eventBridgeRefusal(withDetail(MAX_PUT_EVENTS_ENTRY_BYTES - 1))).toBeUndefined();
  });
});
