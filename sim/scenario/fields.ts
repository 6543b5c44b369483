import * as z from 'zod';

// Field builders whose messages read as "must be …"; the formatter appends ", got X".
const must = (what: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`),
});

export const positiveInt = () =>
  z.number(must('a positive integer')).int(must('a positive integer')).positive(must('a positive integer'));
export const nonNegativeInt = () =>
  z
    .number(must('a non-negative integer'))
    .int(must('a non-negative integer'))
    .nonnegative(must('a non-negative integer'));
export const positive = () => z.number(must('a positive number')).positive(must('a positive number'));
export const nonNegative = () => z.number(must('a non-negative number')).nonnegative(must('a non-negative number'));
/** A probability-like fraction in (0, 1]. */
export const fraction = () =>
  z.number(must('a number in (0, 1]')).positive(must('a number in (0, 1]')).max(1, must('a number in (0, 1]'));
export const integer = () => z.number(must('an integer')).int(must('an integer'));
export const text = () => z.string(must('a string'));
export const flag = () => z.boolean(must('true or false'));
/** Names folders and table rows, so keep it path- and shell-safe. */
export const identifier = () =>
  z
    .string(must('a string'))
    .regex(
      /^[a-z0-9][a-z0-9._-]*$/,
      must('lower-case letters, digits, ".", "_" or "-", starting with a letter or digit'),
    )
    .max(100, must('at most 100 characters'));
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values);
/** A fraction in [0, 1]. */
export const unitInterval = () =>
  z.number(must('a number in [0, 1]')).min(0, must('a number in [0, 1]')).max(1, must('a number in [0, 1]'));
/** A probability strictly below 1, in [0, 1). */
export const belowOne = () =>
  z.number(must('a number in [0, 1)')).min(0, must('a number in [0, 1)')).lt(1, must('a number in [0, 1)'));
/** An integer in [min, max]. */
export const intBetween = (min: number, max: number) =>
  z
    .number(must(`an integer from ${min} to ${max}`))
    .int(must(`an integer from ${min} to ${max}`))
    .min(min, must(`an integer from ${min} to ${max}`))
    .max(max, must(`an integer from ${min} to ${max}`));
/** A ratio of a whole to its part, ≥ 1 (PUE: facility power over the IT power inside it). */
export const atLeastOne = () => z.number(must('a number ≥ 1')).min(1, must('a number ≥ 1'));
