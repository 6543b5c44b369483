import { readFileSync } from 'node:fs';
import type * as z from 'zod';
import { didYouMean, formatPath, InputError, type Problem, showValue } from './problems.js';
import { parseJsonText } from './json-text.js';
import { resolve } from './resolve.js';
import type { ResolvedScenario } from './resolved.js';
import { scenarioSchema } from './schema.js';

/** Read, parse, check and resolve a scenario file; throws InputError listing every problem. */
export function loadScenario(path: string): ResolvedScenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(err);
    throw new InputError(path, [{ path: '', message: `cannot read scenario: ${why}` }]);
  }
  return parseScenario(text, path);
}

/** Parse scenario JSON text (see parseJsonText); `source` names it in messages. */
export function parseScenario(text: string, source: string): ResolvedScenario {
  return checkScenario(parseJsonText(text, source), source);
}

/** Check an already-parsed JSON value. */
export function checkScenario(json: unknown, source: string): ResolvedScenario {
  const parsed = scenarioSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    throw new InputError(
      source,
      parsed.error.issues.flatMap((i) => describeIssue(i, json)),
    );
  }
  const { scenario, problems } = resolve(parsed.data, source);
  if (!scenario) throw new InputError(source, problems);
  return scenario;
}

/** Turn one zod issue into user-facing problems ("path: must be …, got …"). */
function describeIssue(issue: z.core.$ZodIssue, root: unknown): Problem[] {
  const path = formatPath(issue.path);
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(issue.path, root);
      return issue.keys.map((key) => ({
        path: path ? `${path}.${key}` : key,
        message: `unknown key${didYouMean(key, allowed)}; allowed: ${allowed.join(', ')}`,
      }));
    }
    case 'invalid_value': {
      const allowed = issue.values.map(String);
      const hint = typeof input === 'string' ? didYouMean(input, allowed) : '';
      return [
        { path, message: `must be one of ${allowed.map((v) => `"${v}"`).join(', ')}, got ${showValue(input)}${hint}` },
      ];
    }
    case 'invalid_union': {
      const { discriminator, options } = issue as unknown as { discriminator?: string; options?: unknown[] };
      if (discriminator && options) {
        const names = options.map(String);
        const value =
          input && typeof input === 'object' ? (input as Record<string, unknown>)[discriminator] : undefined;
        const where = path.endsWith(discriminator) ? path : path ? `${path}.${discriminator}` : discriminator;
        const hint = typeof value === 'string' ? didYouMean(value, names) : '';
        const what =
          value === undefined
            ? 'is required'
            : `must be one of ${names.map((n) => `"${n}"`).join(', ')}, got ${showValue(value)}${hint}`;
        return [
          {
            path: where,
            message: value === undefined ? `${what}: one of ${names.map((n) => `"${n}"`).join(', ')}` : what,
          },
        ];
      }
      // A name or an inline object (model, hardware): when the value has the type of
      // exactly one option, that option's problems name the field ("model.layers"),
      // rather than "Invalid input" at the union.
      const errors = (issue as unknown as { errors?: z.core.$ZodIssue[][] }).errors ?? [];
      const typed = errors.filter((list) => !list.some((e) => e.code === 'invalid_type' && e.path.length === 0));
      if (typed.length === 1) {
        return (typed[0] as z.core.$ZodIssue[]).flatMap((e) =>
          describeIssue({ ...e, path: [...issue.path, ...e.path] } as z.core.$ZodIssue, root),
        );
      }
      const kinds = errors
        .map(
          (list) =>
            (list.find((e) => e.code === 'invalid_type' && e.path.length === 0) as { expected?: string } | undefined)
              ?.expected,
        )
        .filter((k) => k !== undefined);
      if (typed.length === 0 && kinds.length === errors.length && kinds.length > 0) {
        const what = {
          string: 'a name (string)',
          object: 'an object',
          number: 'a number',
          array: 'an array',
        } as Record<string, string>;
        return [
          {
            path,
            message: `must be ${kinds.map((k) => what[k as string] ?? String(k)).join(' or ')}, got ${showValue(input)}`,
          },
        ];
      }
      return [{ path, message: issue.message }];
    }
    case 'invalid_type':
      if (!issue.message.startsWith('must') && !issue.message.startsWith('is required')) {
        const what =
          { array: 'an array', object: 'an object', string: 'a string', number: 'a number', boolean: 'true or false' }[
            issue.expected as string
          ] ?? issue.expected;
        return [{ path, message: input === undefined ? 'is required' : `must be ${what}, got ${showValue(input)}` }];
      }
      return [
        {
          path,
          message: issue.message.startsWith('must') ? `${issue.message}, got ${showValue(input)}` : issue.message,
        },
      ];
    default: {
      const message = issue.message.startsWith('must') ? `${issue.message}, got ${showValue(input)}` : issue.message;
      return [{ path, message }];
    }
  }
}

/**
 * The keys the schema allows for the object at `path`, found by walking the schema
 * alongside the input (a discriminated union is resolved by the input's tag).
 */
function allowedKeys(path: ReadonlyArray<PropertyKey>, root: unknown): string[] {
  let schema: unknown = scenarioSchema;
  let value: unknown = root;
  for (let i = 0; i <= path.length; i++) {
    schema = unwrap(schema, value);
    if (i === path.length) break;
    const key = path[i] as PropertyKey;
    const def = defOf(schema);
    if (def?.type === 'object') schema = (def.shape as Record<PropertyKey, unknown>)[key];
    else if (def?.type === 'array') schema = def.element;
    else return [];
    value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  const def = defOf(schema);
  return def?.type === 'object' ? Object.keys(def.shape as object) : [];
}

type Def = { type: string; [k: string]: unknown };
function defOf(schema: unknown): Def | undefined {
  return (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

function unwrap(schema: unknown, value: unknown): unknown {
  for (;;) {
    const def = defOf(schema);
    if (!def) return schema;
    if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable') schema = def.innerType;
    else if (def.type === 'union') {
      const options = def.options as unknown[];
      const tag = def.discriminator as string | undefined;
      const wanted = tag && value && typeof value === 'object' ? (value as Record<string, unknown>)[tag] : undefined;
      // Without a tag (a name or an inline object), the option of the value's type.
      if (!tag && value && typeof value === 'object') {
        schema = options.find((o) => defOf(o)?.type === 'object') ?? options[0];
        continue;
      }
      schema =
        options.find((o) =>
          (defOf(o)?.shape as Record<string, { _zod: { def: { values?: unknown[] } } }> | undefined)?.[
            tag ?? ''
          ]?._zod.def.values?.includes(wanted),
        ) ?? options[0];
    } else return schema;
  }
}
