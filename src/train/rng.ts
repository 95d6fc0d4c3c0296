/**
 * Seeded pseudo-random numbers for the training stages (held-out selection,
 * shuffling): mulberry32, whose whole state is one uint32 so that it can be
 * saved in a checkpoint and restored exactly. Pure logic, no streams.
 */

export { Mulberry32 as Rng } from '../mulberry32.js';

/**
 * A stateless uniform number in [0, 1) for item `i` under `seed`: the same
 * document gets the same draw whatever was read before it (used to hold out
 * documents for validation deterministically).
 */
export function hashUniform(seed: number, i: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(i >>> 0, 0x85ebca77) ^ Math.imul(Math.floor(i / 4294967296), 0xc2b2ae3d)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}
