/**
 * The one shape of a mutation that answers with a row: the domain service writes (and commits), then
 * the row is read by id with exactly the selection the client asked for (fields and relations, one
 * query). Every such mutation's resolver is `written(Model, (args, ctx) => service(...))`.
 */
import type { Context } from '../context.js';
import type PrismaTypes from '../generated/pothos-prisma-types.js';

type Model = keyof PrismaTypes;
type Shape<M extends Model> = PrismaTypes[M]['Shape'];
type ReadById<M extends Model> = { findUniqueOrThrow(args: object): Promise<Shape<M>> };

/** What a service returns: the id of the row the mutation answers with, or the row itself. */
type WrittenId = string | { id: string };

/**
 * A Pothos `prismaField` resolver: runs `write` (the service call), then reads the row it names with
 * the client's selection. `write` returns that row's id (or a row carrying it).
 */
export function written<M extends Model, Args, Ctx extends Context>(
  model: M,
  write: (args: Args, ctx: Ctx) => Promise<WrittenId>,
): (query: object, root: unknown, args: Args, ctx: Ctx) => Promise<Shape<M>> {
  const delegate = (model.charAt(0).toLowerCase() + model.slice(1)) as Uncapitalize<M>;
  return async (query, _root, args, ctx) => {
    const result = await write(args, ctx);
    const id = typeof result === 'string' ? result : result.id;
    const rows = ctx.app.prisma[delegate as keyof Context['app']['prisma']] as unknown as ReadById<M>;
    return rows.findUniqueOrThrow({ ...query, where: { id } });
  };
}
