import { describe, expect, it } from 'vitest';
import { fairShare } from '../../../world/dynamodb/fair-share.ts';

describe('fair share of a partition', () => {
  it('grants everything when demand fits', () => {
    expect(
      fairShare(
        [
          { demand: 300, keyCount: 1 },
          { demand: 200, keyCount: 50 },
        ],
        1000,
      ),
    ).toEqual([300, 200]);
  });

  it('serves light keys in full and gives the heavy key what is left', () => {
    expect(
      fairShare(
        [
          { demand: 5000, keyCount: 1 },
          { demand: 100, keyCount: 100 },
        ],
        3000,
      ),
    ).toEqual([2900, 100]);
  });

  it('splits equally between keys that each ask for more than an equal share', () => {
    expect(
      fairShare(
        [
          { demand: 900, keyCount: 1 },
          { demand: 700, keyCount: 1 },
        ],
        1000,
      ),
    ).toEqual([500, 500]);
  });
});
