/** `@CurrentSession()`: injects the whole session, loaded. */
import { createParamDecorator } from 'routing-controllers';
import { loadedSession } from './session-of';

/**
 * Injects `req.session`, loaded, into a controller method.
 *
 * @example
 * @Post('/logout') async logout(@CurrentSession() session: Session) { await session.destroy(); return { ok: true }; }
 */
export function CurrentSession(): ParameterDecorator {
  return createParamDecorator({ value: action => loadedSession(action.request) }) as ParameterDecorator;
}
