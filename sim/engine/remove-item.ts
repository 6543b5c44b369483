/**
 * Take `item` out of `items`, keeping the others in order; false when it is not there.
 * For the small hot arrays that stand in for sets (a link's flows, the KV a server
 * holds): Array#splice allocates the array it returns, and a Set rehashes as it grows
 * and shrinks; both showed up as a few hundred bytes of garbage per request.
 */
export function removeItem<T>(items: T[], item: T): boolean {
  const i = items.indexOf(item);
  if (i < 0) return false;
  const last = items.length - 1;
  for (let j = i; j < last; j++) items[j] = items[j + 1] as T;
  items.pop();
  return true;
}
