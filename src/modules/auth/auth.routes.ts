import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { mount, route } from '../../http/route.js';
import type { WriteRunner } from '../../http/write.js';
import { formatPhone } from '../../lib/phone.js';
import type { AuthService } from './auth.service.js';

const AuthBody = Type.Object(
  {
    login: Type.String({ minLength: 1, maxLength: 255, description: 'Phone (+13155550175) or email' }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { $id: 'AuthBody' },
);

const AuthUserSchema = Type.Object(
  {
    id: Type.Integer(),
    user_token: Type.String(),
    name: Type.String(),
    phone: Type.String(),
    login: Type.String(),
    email: Type.String(),
    avatar: Type.String(),
    is_approved: Type.Boolean(),
    is_email_confirmed: Type.Boolean(),
  },
  { $id: 'AuthUser', title: 'AuthUser' },
);

/** A1 (SPEC §3): the user token for a login and password. */
export const authRoutes: FastifyPluginAsync<{ auth: AuthService; writes: WriteRunner }> = async (
  app,
  { auth, writes },
) => {
  mount(app, writes, [
    route({
      method: 'POST',
      url: '/auth',
      operationId: 'authorize_user',
      summary: 'Authorize User',
      description:
        'Exchanges login and password for a user token (Decision: requires the partner token). ' +
        'A wrong login and a wrong password get the same 401. Throttling, per 15 minutes: after 5 failures ' +
        'for one user (whichever of its email, phone or login is typed; an unknown login counts as typed), ' +
        'further attempts for that user answer 429 with Retry-After; after 50 failures with one partner ' +
        "token (any logins), every attempt with that token does. An admin can lift a user's lock at once " +
        '(`user:unlock`, or a new password). Each login issues a new token; changing the password revokes them all. ' +
        'Idempotency-Key is not honoured here: the answer carries a secret that is never stored.',
      tag: 'Authentication B2B',
      auth: 'partner',
      // A login reaches no location or chain; its one refusal beyond 401 and 422 is the throttle.
      refusals: [429],
      body: AuthBody,
      answer: { status: 201, envelope: 'single', schema: AuthUserSchema },
      // The answer holds a user token, and tokens are only ever stored hashed: a login is not
      // replayed from storage (repeating it is harmless: it issues another token). Nor does it run
      // in a transaction: its failure counter must be written although the answer is an error.
      write: { commit: 'none', idempotency: false },
      handler: async ({ auth: caller, body }) => {
        const { user, token } = await auth.login(caller.partnerId, body.login, body.password);
        return {
          id: user.id,
          user_token: token,
          name: user.name,
          phone: formatPhone(user.phone),
          login: user.login,
          email: user.email,
          avatar: user.avatar,
          is_approved: user.is_approved === 1,
          is_email_confirmed: user.is_email_confirmed === 1,
        };
      },
    }),
  ]);
};
