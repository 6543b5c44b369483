import { randomLcg } from 'd3-random';

/** A uniform source on [0, 1), the input d3-random's `.source()` expects. */
export type Source = () => number;

/**
 * Independent, named random streams derived from one scenario seed. Each part of the
 * model draws only from its own stream, so changing one part (say, the router) does not
 * reshuffle the draws of another (arrivals, lengths): compared scenarios see common
 * random numbers.
 */
export class RandomStreams {
  private readonly sources = new Map<string, Source>();

  constructor(readonly seed: number) {}

  /** The stream called `name`; the same name always returns the same stream object. */
  stream(name: string): Source {
    let s = this.sources.get(name);
    if (!s) {
      s = randomLcg(streamSeed(this.seed, name));
      this.sources.set(name, s);
    }
    return s;
  }
}

/**
 * A 32-bit seed for stream `name` under scenario seed `seed`: FNV-1a over the name's
 * UTF-16 units and the seed's two 32-bit halves, then murmur3's finaliser so that
 * neighbouring seeds and names give unrelated states. Never 0 (randomLcg would read 0
 * as "seed in [0, 1)", which is still valid, but a fixed non-zero state is clearer).
 */
export function streamSeed(seed: number, name: string): number {
  let h = 0x811c9dc5;
  const mix = (x: number) => {
    h ^= x & 0xffff;
    h = Math.imul(h, 0x01000193);
    h ^= x >>> 16;
    h = Math.imul(h, 0x01000193);
  };
  mix(seed >>> 0);
  mix(Math.floor(seed / 0x100000000) >>> 0);
  for (let i = 0; i < name.length; i++) mix(name.charCodeAt(i));
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0 || 1;
}
