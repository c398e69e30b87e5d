import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@gipkit/plugin-api';
import { BUNDLE, estate, rig } from './run-fixture.js';

describe('hardening 7: run timeouts a timer cannot hold', () => {
  it('timeouts above 2147483647 ms, NaN or not above 0 are refused before any work, every one listed', async () => {
    const { gipkit, input, log } = rig(estate({ vms: 1, proxies: 1 }));
    const run = gipkit.run(input, { bundle: BUNDLE, timeouts: { connect: 2 ** 31, upload: 30 * 24 * 3_600_000, health: Number.NaN, remove: 0 } });
    await expect(run).rejects.toMatchObject({ code: ErrorCode.RunMisconfigured });
    const message = await run.catch((error: unknown) => (error as Error).message);
    expect(message).toContain('timeouts.connect must be at most 2147483647 ms, the longest a timer holds (about 24.8 days) (found 2147483648)');
    expect(message).toContain('timeouts.upload must be at most 2147483647 ms');
    expect(message).toContain('timeouts.health must be a number of milliseconds above 0 (found NaN)');
    expect(message).toContain('timeouts.remove must be a number of milliseconds above 0 (found 0)');
    expect(log.events).toEqual([]);
  });

  it('the longest timeout a timer holds runs normally', async () => {
    const { run } = rig(estate({ vms: 1, proxies: 1 }));
    const result = await run({ timeouts: { connect: 2_147_483_647, upload: 2_147_483_647 } });
    expect(result.accepted).toBe(true);
  });
});
