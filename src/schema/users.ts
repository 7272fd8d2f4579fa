/** Users and authentication: `User`, `viewer`, `register`, `login`. */
import { Role } from '../generated/prisma/enums.js';
import { revokeTokens } from '../auth/revocation.js';
import { notFound } from '../errors.js';
import { login, register } from '../users/service.js';
import { builder } from './builder.js';

const RoleEnum = builder.enumType(Role, { name: 'Role' });

export const UserType = builder.prismaObject('User', {
  fields: (t) => ({
    id: t.exposeID('id'),
    username: t.exposeString('username'),
    displayName: t.exposeString('displayName'),
    role: t.expose('role', { type: RoleEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const AuthPayload = builder.objectRef<{ token: string; user: { id: string } }>('AuthPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'A signed JWT: send it as `Authorization: Bearer <token>`.' }),
    user: t.prismaField({
      type: 'User',
      resolve: (query, payload, _args, ctx) => ctx.app.prisma.user.findUniqueOrThrow({ ...query, where: { id: payload.user.id } }),
    }),
  }),
});

const RegisterInput = builder.inputType('RegisterInput', {
  fields: (t) => ({
    username: t.string(),
    password: t.string(),
    displayName: t.string({ required: false }),
  }),
});

builder.queryField('viewer', (t) =>
  t.prismaField({
    type: 'User',
    nullable: true,
    description: 'The signed-in user, or null.',
    resolve: (query, _root, _args, ctx) => (ctx.viewer ? ctx.app.prisma.user.findUnique({ ...query, where: { id: ctx.viewer.id } }) : null),
  }),
);

builder.queryField('user', (t) =>
  t.prismaField({
    type: 'User',
    nullable: true,
    args: { id: t.arg.id() },
    description: 'One user; NOT_FOUND for an id that names none.',
    resolve: async (query, _root, args, ctx) => {
      const user = await ctx.app.prisma.user.findUnique({ ...query, where: { id: args.id } });
      if (!user) throw notFound('User', args.id);
      return user;
    },
  }),
);

builder.mutationFields((t) => ({
  register: t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: RegisterInput }) },
    resolve: async (_root, { input }, ctx) => {
      const user = await register(ctx.app.prisma, input);
      return { token: await ctx.app.tokens.sign({ userId: user.id, role: user.role, version: user.tokenVersion }), user };
    },
  }),
  login: t.field({
    type: AuthPayload,
    args: { username: t.arg.string(), password: t.arg.string() },
    resolve: async (_root, args, ctx) => {
      const user = await login(ctx.app.prisma, args.username, args.password);
      return { token: await ctx.app.tokens.sign({ userId: user.id, role: user.role, version: user.tokenVersion }), user };
    },
  }),
}));

builder.mutationField('revokeTokens', (t) =>
  t.withAuth({ signedIn: true }).boolean({
    description:
      'Signs out everywhere: every token issued so far for the user stops working and their open WebSocket connections close (4403). ' +
      "Without `userId`, the caller's own; another user's: ADMIN only.",
    args: { userId: t.arg.id({ required: false }) },
    resolve: async (_root, args, ctx) => {
      await revokeTokens(ctx.app, ctx.viewer, args.userId ?? ctx.viewer.id);
      return true;
    },
  }),
);
