import { Body, Get, JsonController, Post, UseBefore } from 'routing-controllers';
import { Service } from 'typedi';
import { CurrentSession, SessionMiddleware, SessionParam, type Session } from '../../src';
import type { DemoSession } from '../session';

class LoginForm {
  name!: string;
}

@JsonController('/api')
@UseBefore(SessionMiddleware)
@Service()
export class AccountController {
  /** Who is logged in, and how often this browser came by. */
  @Get('/me')
  me(@CurrentSession() session: Session<DemoSession>) {
    session.visits = (session.visits ?? 0) + 1;
    return { user: session.isLoggedIn ? session.user : null, visits: session.visits };
  }

  @Post('/login')
  async login(@Body() form: LoginForm, @CurrentSession() session: Session<DemoSession>) {
    const name =
      String(form?.name ?? '')
        .trim()
        .slice(0, 40) || 'guest';
    // A new id on every privilege change defeats session fixation.
    await session.regenerate();
    session.user = name;
    return { user: name };
  }

  @Post('/logout')
  async logout(
    @SessionParam<DemoSession>('user', { required: true }) user: string,
    @CurrentSession() session: Session<DemoSession>,
  ) {
    await session.destroy();
    return { goodbye: user };
  }
}
