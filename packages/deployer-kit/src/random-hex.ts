import { randomFillSync } from 'node:crypto';

/** Random bytes drawn from the system's CSPRNG a block at a time; every byte is handed out once. */
const BLOCK = 4096;
const pool = Buffer.alloc(BLOCK);
let used = BLOCK;

/**
 * `bytes` cryptographically random bytes as hex, as `randomBytes(bytes).toString('hex')` gives them, without
 * a system call and a buffer per name: a run names a folder for every VM (the way `randomUUID` caches too).
 */
export function randomHex(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > BLOCK) throw new RangeError(`randomHex takes 1 to ${BLOCK} bytes (got ${bytes})`);
  if (used + bytes > BLOCK) {
    randomFillSync(pool);
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  pool.fill(0, used, used + bytes);
  used += bytes;
  return hex;
}
