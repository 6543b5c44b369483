// Field paths into a scenario's JSON: `datacenter.racks[1].count`.

export type PathPart = string | number;

/** `a.b[2].c` → ['a', 'b', 2, 'c']; undefined if it is not a well-formed path. */
export function parseFieldPath(path: string): PathPart[] | undefined {
  if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*|\[\d+\])*$/.test(path)) return undefined;
  const parts: PathPart[] = [];
  for (const m of path.matchAll(/([A-Za-z_$][\w$]*)|\[(\d+)\]/g)) parts.push(m[1] !== undefined ? m[1] : Number(m[2]));
  return parts;
}

/**
 * Set `value` at `path` in a JSON object (in place). Every container on the way must
 * exist (array indices in range); only the last key of an object may be new (a field
 * the base left to its default). Returns an error message, or undefined.
 */
export function setAtPath(root: unknown, parts: readonly PathPart[], value: unknown): string | undefined {
  let node = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i] as PathPart;
    const next = typeof key === 'number' ? (Array.isArray(node) ? node[key] : undefined) : (isObject(node) ? node[key] : undefined);
    if (next === undefined || next === null || typeof next !== 'object') {
      return `the base scenario has nothing at ${show(parts.slice(0, i + 1))}`;
    }
    node = next;
  }
  const last = parts[parts.length - 1] as PathPart;
  if (typeof last === 'number') {
    if (!Array.isArray(node) || last >= node.length) return `the base scenario has no ${show(parts)}`;
    node[last] = value;
  } else {
    if (!isObject(node)) return `the base scenario has no object at ${show(parts.slice(0, -1))}`;
    node[last] = value;
  }
  return undefined;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function show(parts: readonly PathPart[]): string {
  return parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
