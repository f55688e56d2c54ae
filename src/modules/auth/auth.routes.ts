import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { single } from '../../http/envelope.js';
import { ErrorEnvelope, SingleEnvelope } from '../../http/schemas.js';
import { formatPhone } from '../../lib/phone.js';
import type { Services } from '../../services.js';

export const AuthBody = Type.Object(
  {
    login: Type.String({ minLength: 1, maxLength: 255, description: 'Phone (+13155550175) or email' }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { $id: 'AuthBody' },
);

export const AuthUserSchema = Type.Object(
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

export const authRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/auth',
    {
      // The answer holds a user token, and tokens are only ever stored hashed: a login is not
      // replayed from storage. Repeating it is harmless (it issues another token).
      config: { auth: 'partner', idempotency: false },
      schema: {
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
        tags: ['Authentication B2B'],
        security: [{ BearerPartner: [] }],
        body: AuthBody,
        response: {
          201: SingleEnvelope(AuthUserSchema),
          ...Object.fromEntries([400, 401, 406, 409, 415, 422, 429, 503].map((c) => [c, ErrorEnvelope])),
        },
      },
    },
    (request, reply) =>
      services.writes.run(
        request,
        reply,
        async () => {
          const { user, token } = await services.auth.login(
            request.auth.partnerId,
            request.body.login,
            request.body.password,
          );
          return {
            status: 201,
            body: single({
              id: user.id,
              user_token: token,
              name: user.name,
              phone: formatPhone(user.phone),
              login: user.login,
              email: user.email,
              avatar: user.avatar,
              is_approved: user.is_approved === 1,
              is_email_confirmed: user.is_email_confirmed === 1,
            }),
          };
        },
        { transaction: false },
      ),
  );
};
