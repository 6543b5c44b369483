import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import type * as z from 'zod';
import { InputError } from '../scenario/index.js';
import { lineColumn, locateJsonError } from '../scenario/json-locate.js';
import { formatPath } from '../scenario/problems.js';

/** Read a JSON file (a sweep, a plan, their base); unreadable or invalid JSON is an input error. */
export function readJsonFile(file: string, what: string, reportAs = file): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(reportAs, [
      { path: '', message: `cannot read ${what}: ${code === 'ENOENT' ? `no such file: ${file}` : String(err)}` },
    ]);
  }
  try {
    return JSON.parse(text);
  } catch {
    const at = locateJsonError(text);
    const { line, column } = lineColumn(text, Math.max(0, at));
    throw new InputError(reportAs, [
      { path: '', message: `${what} is not valid JSON: line ${line}, column ${column}` },
    ]);
  }
}

/** A study file checked against its schema, every problem with its path. */
export function readStudyFile<S extends z.ZodType>(file: string, schema: S, what: string): z.output<S> {
  return parseStudy(readJsonFile(file, what), file, schema);
}

/** A study file's JSON checked against its schema, every problem with its path. */
export function parseStudy<S extends z.ZodType>(json: unknown, file: string, schema: S): z.output<S> {
  const parsed = schema.safeParse(json, { reportInput: true });
  if (!parsed.success)
    throw new InputError(
      file,
      parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    );
  return parsed.data;
}

/** A study's base scenario: relative to the study file, or else to the working directory. */
export function basePathOf(studyFile: string, base: string): string {
  const near = resolvePath(dirname(studyFile), base);
  return existsSync(near) ? near : resolvePath(base);
}
