/** The `schema` and `validation` options. */
import { SessionSchema, type SessionValidationOptions } from '../schema/session-schema';
import { checkBoolean, invalid } from './checks';

const KNOWN_VALIDATION_OPTIONS = new Set(['validator', 'transformer', 'onInvalid', 'beforeSave']);

/** The schema `schema` and `validation` describe, if any. */
export function resolveSchema(
  schema: unknown,
  validation: SessionValidationOptions | undefined,
): SessionSchema | undefined {
  if (schema === undefined) {
    if (validation !== undefined) throw invalid('validation', 'applies to a `schema`; set `schema` too');
    return undefined;
  }
  if (typeof schema !== 'function')
    throw invalid('schema', 'expected a class decorated with class-validator decorators');
  const options = validation ?? {};
  if (typeof options !== 'object' || options === null) throw invalid('validation', 'expected an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN_VALIDATION_OPTIONS.has(key))
      throw invalid(`validation.${key}`, `unknown option; they are ${[...KNOWN_VALIDATION_OPTIONS].join(', ')}`);
  }
  if (options.onInvalid !== undefined && options.onInvalid !== 'reset' && options.onInvalid !== 'reject') {
    throw invalid('validation.onInvalid', "expected 'reset' or 'reject'");
  }
  checkBoolean('validation.beforeSave', options.beforeSave, false);
  return new SessionSchema(schema as new () => object, options);
}
