import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGipkit } from '@gipkit/core';
import type { Inventory } from '@gipkit/plugin-api';

/** The repository's examples/lab folder, whose files the tests read. */
export const LAB = fileURLToPath(new URL('../../../examples/lab/', import.meta.url));

/** The validated inventory of examples/lab. */
export function labInventory(): Inventory {
  const gipkit = createGipkit();
  try {
    return gipkit.loadInput({ inventory: join(LAB, 'inventory.yaml'), job: join(LAB, 'nightly.job.yaml') }).inventory;
  } finally {
    gipkit.dispose();
  }
}
