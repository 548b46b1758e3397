/** `@SessionParam(name)`: injects one session value, loading the session first if needed. */
import { plainToInstance, type ClassTransformOptions } from 'class-transformer';
import { validate as validateValue, type ValidatorOptions } from 'class-validator';
import { BadRequestError, createParamDecorator } from 'routing-controllers';
import type { SessionFields } from '../session/types';
import { loadedSession } from './session-of';
// Types of Reflect.getMetadata only; the polyfill itself is the application's (routing-controllers needs it too).
import type {} from 'reflect-metadata';

/** Options of {@link SessionParam}. */
export interface SessionParamOptions {
  /** Answer 400 when the value is `undefined` or `null`. @default false */
  required?: boolean;
  /**
   * For a parameter typed with a class: turn the value into that class (class-transformer) and validate it
   * (class-validator), answering 400 with `errors` when it fails, like routing-controllers does for `@Body()`.
   * `true`, `false`, or class-validator options. routing-controllers' global `validation` option does not reach
   * custom decorators, so it is set here. @default true
   */
  validate?: boolean | ValidatorOptions;
  /** class-transformer options for that conversion. */
  transform?: ClassTransformOptions;
}

/** The keys `@SessionParam` accepts: those of `T` once it declares any, otherwise any string. */
export type SessionKey<T> = [keyof T] extends [never] ? string : keyof T & string;

/** `T`, but not a place to infer from (TypeScript's `NoInfer`, spelt so that TypeScript before 5.4 reads it too). */
type NotInferred<T> = [T][T extends unknown ? 0 : never];

/** Parameter types that are not classes to validate. */
const PLAIN_TYPES = new Set<unknown>([Object, String, Number, Boolean, Array, Date, Function, Symbol, BigInt, Promise]);

/**
 * Injects `req.session[name]` into a controller method, loading the session first if needed. Replaces
 * routing-controllers' own `@SessionParam`, which needs an already loaded session. `T` (your session's type)
 * restricts `name` to its keys.
 *
 * @example
 * @Get('/me') me(@SessionParam<CartSession>('userId', { required: true }) userId: number) { return { userId }; }
 */
export function SessionParam<T extends object = SessionFields>(
  name: NotInferred<SessionKey<T>>,
  options: SessionParamOptions = {},
): ParameterDecorator {
  const required = options.required === true;
  return (object, method, index) => {
    const types = Reflect.getMetadata('design:paramtypes', object, method as string | symbol) as unknown[] | undefined;
    const type = types?.[index];
    const validateAs =
      options.validate !== false && typeof type === 'function' && !PLAIN_TYPES.has(type) ? type : undefined;
    createParamDecorator({
      // routing-controllers ignores `required` for custom decorators, hence the check below.
      required,
      value: async action => {
        const session = await loadedSession(action.request);
        // Read untyped: `Session` is typed by the app's SessionFields, `name` by T.
        const value = (session as unknown as Record<string, unknown>)[name];
        if (value === undefined || value === null) {
          if (required) throw new BadRequestError(`The session has no "${name}", which this route requires`);
          return value;
        }
        return validateAs === undefined ? value : toValidInstance(validateAs as new () => object, name, value, options);
      },
    })(object, method as string, index);
  };
}

async function toValidInstance(
  type: new () => object,
  name: string,
  value: unknown,
  options: SessionParamOptions,
): Promise<object> {
  const instance = plainToInstance(type, value, options.transform);
  const validatorOptions = typeof options.validate === 'object' ? options.validate : {};
  // Values stay out of the errors: session data may hold secrets.
  const errors = await validateValue(instance as object, {
    ...validatorOptions,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) {
    const error = new BadRequestError(`Invalid session value "${name}", check 'errors' property for more info.`);
    Object.assign(error, { errors, paramName: name });
    throw error;
  }
  return instance as object;
}
