import { describe, expect, it } from 'vitest';
import { describeOffset } from '../../../src-main/storage/clock';

// The clock-skew message names the offset in the unit a person would: the offset is measured
// from the server's Date header, so a 2-hour skew arrives a little short of 2 hours.
describe('describeOffset', () => {
  it('says hours from 2 hours on, including an offset measured a moment short of it', () => {
    expect(describeOffset(2 * 3600_000).en).toBe('2 hours');
    expect(describeOffset(2 * 3600_000 - 1_400).en).toBe('2 hours');
    expect(describeOffset(-(2 * 3600_000 - 25_000)).en).toBe('2 hours');
    expect(describeOffset(5 * 3600_000 + 20 * 60_000).en).toBe('5 hours');
    expect(describeOffset(2 * 3600_000 - 1_400).zh).toBe('2 小时');
  });

  it('says minutes from 2 minutes to just under 2 hours, seconds below', () => {
    expect(describeOffset(2 * 3600_000 - 60_000).en).toBe('119 minutes');
    expect(describeOffset(30 * 60_000).en).toBe('30 minutes');
    expect(describeOffset(120_000).en).toBe('2 minutes');
    expect(describeOffset(45_000).en).toBe('45 seconds');
  });
});
