// Field paths into a scenario's JSON: `datacenter.racks[1].count`.

export type PathPart = string | number;

/**
 * Names that reach an object's prototype machinery instead of one of its fields:
 * `o["__proto__"] = v` replaces o's prototype, and through `constructor.prototype` a
 * path would reach Object.prototype itself. No scenario field has these names.
 */
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

/** The first segment of a path that names prototype machinery, if any. */
export function reservedSegment(path: string): string | undefined {
  for (const m of path.matchAll(/[A-Za-z_$][\w$]*/g)) if (RESERVED.has(m[0])) return m[0];
  return undefined;
}

/** `a.b[2].c` → ['a', 'b', 2, 'c']; undefined if it is not a well-formed path or names prototype machinery. */
export function parseFieldPath(path: string): PathPart[] | undefined {
  if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*|\[\d+\])*$/.test(path)) return undefined;
  if (reservedSegment(path) !== undefined) return undefined;
  const parts: PathPart[] = [];
  for (const m of path.matchAll(/([A-Za-z_$][\w$]*)|\[(\d+)\]/g)) parts.push(m[1] !== undefined ? m[1] : Number(m[2]));
  return parts;
}

/**
 * Set `value` at `path` in a JSON object (in place). Every container on the way must
 * exist as an own property (array indices in range); only the last key of an object may
 * be new (a field the base left to its default). Own-property reads and defineProperty
 * keep this safe whatever the parts are: an inherited name (`toString`, `__proto__`) is
 * "nothing there", and a new key is always an own data property, never a prototype.
 * Returns an error message, or undefined.
 */
export function setAtPath(root: unknown, parts: readonly PathPart[], value: unknown): string | undefined {
  let node = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i] as PathPart;
    const next =
      typeof key === 'number'
        ? Array.isArray(node)
          ? ownValue(node, key)
          : undefined
        : isObject(node)
          ? ownValue(node, key)
          : undefined;
    if (next === undefined || next === null || typeof next !== 'object') {
      return `the base scenario has nothing at ${show(parts.slice(0, i + 1))}`;
    }
    node = next;
  }
  const last = parts[parts.length - 1] as PathPart;
  if (typeof last === 'number') {
    if (!Array.isArray(node) || last >= node.length) return `the base scenario has no ${show(parts)}`;
  } else if (!isObject(node)) {
    return `the base scenario has no object at ${show(parts.slice(0, -1))}`;
  }
  Object.defineProperty(node, String(last), { value, writable: true, enumerable: true, configurable: true });
  return undefined;
}

function ownValue(node: object, key: PathPart): unknown {
  return Object.hasOwn(node, key) ? (node as Record<PathPart, unknown>)[key] : undefined;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function show(parts: readonly PathPart[]): string {
  return parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
