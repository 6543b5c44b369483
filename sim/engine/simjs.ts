// The only module that touches simjs. Its npm build (a 2016 browserify bundle) never
// exports anything under Node: it assigns `window.Sim`. We give it a throwaway
// `window`, take what it put there, and hide its types behind the `Calendar` port.
import { createRequire } from 'node:module';

/**
 * What simjs's heap (PQueue) and `Sim.step()` need of an entry: its time, the insertion
 * order the heap stamps on it, whether it was cancelled, and `deliver()`; plus our
 * `priority`, which the calendar's replacement of the heap's comparison reads.
 */
export interface HeapEntry {
  deliverAt: number;
  priority: number;
  order: number;
  cancelled: boolean;
  deliver(): void;
}
/** The slice of simjs's internals the calendar relies on (simjs 2.0.3, sim.js). */
export interface SimjsSim {
  simTime: number;
  queue: {
    data: HeapEntry[];
    insert(entry: HeapEntry): void;
    remove(): HeapEntry | null;
    /** "a fires after b": the heap's only comparison, called by insert and remove. */
    greater(a: HeapEntry, b: HeapEntry): boolean;
  };
  step(): boolean;
}
export interface SimjsModule {
  Sim: new () => SimjsSim;
  /** Used only by the engine-ceiling benchmark (simjs's own API, as users of it write). */
  Entity: new (sim: SimjsSim, name: string) => object;
}

function load(): SimjsModule {
  const require = createRequire(import.meta.url);
  const g = globalThis as { window?: { Sim?: SimjsModule } };
  const previous = g.window;
  g.window = {};
  try {
    require('simjs');
    const mod = g.window.Sim;
    if (!mod || typeof mod.Sim !== 'function') {
      throw new Error('simjs did not register window.Sim; is simjs@2.0.3 installed?');
    }
    return mod;
  } finally {
    if (previous === undefined) delete g.window;
    else g.window = previous;
  }
}

/** Loaded once per process; the module holds no simulation state, only classes. */
export const simjs: SimjsModule = load();
