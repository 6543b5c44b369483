/**
 * A broken invariant: a bug in splitsim, never a user's mistake. Thrown loudly with the
 * request or instance concerned so that a wrong result is never written quietly.
 */
export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}

export function invariant(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new InvariantError(message());
}
