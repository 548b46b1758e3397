/** `@SessionParam(name)`: injects one session value, loading the session first if needed. */
import { BadRequestError, createParamDecorator } from 'routing-controllers';
import { loadedSession } from './session-of';

/** Options of {@link SessionParam}. */
export interface SessionParamOptions {
  /** Answer 400 when the value is `undefined` or `null`. @default false */
  required?: boolean;
}

/**
 * Injects `req.session[name]` into a controller method, loading the session first if needed.
 * Replaces routing-controllers' own `@SessionParam`, which needs an already loaded session.
 *
 * @example
 * @Get('/me') me(@SessionParam('userId', { required: true }) userId: number) { return { userId }; }
 */
export function SessionParam(name: string, options: SessionParamOptions = {}): ParameterDecorator {
  const required = options.required === true;
  return createParamDecorator({
    // routing-controllers ignores `required` for custom decorators, hence the check below.
    required,
    value: async action => {
      const session = await loadedSession(action.request);
      const value = session[name];
      if (required && (value === undefined || value === null)) {
        throw new BadRequestError(`The session has no "${name}", which this route requires`);
      }
      return value;
    },
  }) as ParameterDecorator;
}
