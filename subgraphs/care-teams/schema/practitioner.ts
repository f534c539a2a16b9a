/** The practitioner directory (FHIR Practitioner): who the members of care teams are. */
import { Arg, Ctx, Field, ID, InputType, Mutation, Query, Resolver } from 'type-graphql';
import { ILike } from 'typeorm';
import { badInput } from '../../../shared/errors';
import { recordEvent } from '../../../shared/events';
import type { SubgraphContext } from '../../../shared/subgraph';
import { PractitionerRecord } from '../data/entities';
import { assertCanEditPractitioner, assertDirectoryReader, mayReadDirectory } from './access';
import { practitionerById } from './loaders';
import { Practitioner } from './types';

export const toPractitioner = (r: PractitionerRecord): Practitioner => ({
  id: r.id, name: r.name, discipline: r.discipline, contact: { phone: r.phone, email: r.email },
});

/** Entity reference: staff see the directory; partner staff and analysts get null. */
export async function resolvePractitionerReference(ref: { id: string }, ctx: SubgraphContext): Promise<Practitioner | null> {
  if (!mayReadDirectory(ctx)) return null;
  const p = await practitionerById(ctx).load(ref.id);
  return p && toPractitioner(p);
}

@InputType()
class UpsertPractitionerInput {
  @Field(() => ID, { nullable: true, description: 'Defaults to your own token subject; only admins may name another' }) id?: string | null;
  @Field() name: string;
  @Field(() => String, { nullable: true }) discipline?: string | null;
  @Field(() => String, { nullable: true }) phone?: string | null;
  @Field(() => String, { nullable: true }) email?: string | null;
}

const trimmedOrNull = (v: string | null | undefined) => (v?.trim() ? v.trim() : null);

@Resolver(() => Practitioner)
export class PractitionerResolver {
  @Query(() => Practitioner, { nullable: true })
  async practitioner(@Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext) {
    assertDirectoryReader(ctx);
    const p = await practitionerById(ctx).load(id);
    return p && toPractitioner(p);
  }

  @Query(() => [Practitioner], { description: 'The directory, by name; `search` matches part of the name' })
  async practitioners(@Ctx() ctx: SubgraphContext, @Arg('search', () => String, { nullable: true }) search?: string | null) {
    assertDirectoryReader(ctx);
    const term = search?.trim();
    const rows = await ctx.db.getRepository(PractitionerRecord).find({
      where: term ? { name: ILike(`%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) } : {},
      order: { name: 'ASC', id: 'ASC' },
      take: 200,
    });
    return rows.map(toPractitioner);
  }

  @Mutation(() => Practitioner, { description: 'Creates or updates a directory entry: your own, or anyone\'s for admins' })
  async upsertPractitioner(@Arg('input') input: UpsertPractitionerInput, @Ctx() ctx: SubgraphContext) {
    const id = input.id?.trim() || ctx.principal.sub;
    assertCanEditPractitioner(ctx, id);
    const name = input.name.trim();
    if (!name) throw badInput('name must not be empty', 'name');
    const email = trimmedOrNull(input.email);
    if (email && !/^[^\s@]+@[^\s@]+$/.test(email)) throw badInput('email is not an e-mail address', 'email');
    const saved = await ctx.db.transaction(async (m) => {
      const repo = m.getRepository(PractitionerRecord);
      const existed = await repo.existsBy({ id });
      // Upsert in one statement: two first-time saves of the same id cannot collide.
      await repo.upsert({ id, name, discipline: trimmedOrNull(input.discipline), phone: trimmedOrNull(input.phone), email, updatedAt: new Date() }, ['id']);
      await recordEvent(m, ctx.source, {
        type: 'PractitionerUpdated', aggregateType: 'Practitioner', aggregateId: id, actor: ctx.principal.sub,
        payload: { practitionerId: id, created: !existed },
      });
      return repo.findOneByOrFail({ id });
    });
    practitionerById(ctx).clear(id);
    return toPractitioner(saved);
  }
}
