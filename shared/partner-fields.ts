/**
 * The partner contract, held at the subgraph too. A request that came through
 * `/partner/graphql` (the internal token says so) may select only fields tagged
 * `@tag(name: "partner")` in this subgraph, the entity keys the gateway needs to
 * join (`@key` fields), `_entities` and `__typename`. The gateway's contract already
 * keeps partners to these fields; this check makes the contract hold even if a plan
 * or a bug reached further.
 */
import {
  getNamedType, isObjectType, isInterfaceType, Kind, TypeInfo, visit, visitWithTypeInfo,
  type DocumentNode, type GraphQLSchema, type ConstDirectiveNode,
} from 'graphql';
import { forbidden } from './errors';

const tagged = (directives: readonly ConstDirectiveNode[] | undefined, tag: string) =>
  (directives ?? []).some((d) => d.name.value === 'tag' && d.arguments?.some((a) => a.name.value === 'name' && a.value.kind === Kind.STRING && a.value.value === tag));

/** `Type.field` coordinates a partner request may select in this subgraph. */
export function partnerCoordinates(schema: GraphQLSchema, tag = 'partner'): Set<string> {
  const out = new Set<string>(['Query._entities']);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(isObjectType(type) || isInterfaceType(type)) || type.name.startsWith('__')) continue;
    const keyFields = new Set<string>();
    for (const node of [type.astNode, ...(type.extensionASTNodes ?? [])]) {
      for (const d of node?.directives ?? []) {
        if (d.name.value !== 'key') continue;
        const fields = d.arguments?.find((a) => a.name.value === 'fields')?.value;
        if (fields?.kind === Kind.STRING) for (const f of fields.value.split(/[\s{}]+/).filter(Boolean)) keyFields.add(f);
      }
    }
    for (const field of Object.values(type.getFields())) {
      if (keyFields.has(field.name) || tagged(field.astNode?.directives, tag)) out.add(`${type.name}.${field.name}`);
    }
  }
  return out;
}

/** Throws FORBIDDEN naming the first field outside the contract. */
export function assertPartnerSelection(schema: GraphQLSchema, document: DocumentNode, allowed: Set<string>): void {
  const info = new TypeInfo(schema);
  visit(document, visitWithTypeInfo(info, {
    Field(node) {
      if (node.name.value.startsWith('__')) return;
      const parent = info.getParentType();
      if (!parent) return;
      const coordinate = `${getNamedType(parent).name}.${node.name.value}`;
      if (!allowed.has(coordinate)) {
        throw forbidden(`${coordinate} is not part of the partner contract`, { reason: 'PARTNER_CONTRACT_ONLY', field: coordinate });
      }
    },
  }));
}
