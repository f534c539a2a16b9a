/**
 * The partner contract: `/partner/graphql` serves a filtered variant of the
 * supergraph holding only what community partners need (HIPAA minimum necessary).
 *
 * It is derived at start-up from the supergraph SDL, never written by hand: every
 * type, field, argument and input field not tagged `@tag(name: "partner")` is
 * marked `@inaccessible` (inaccessible spec v0.2, linked `for: SECURITY`), and a
 * second ApolloGateway runs on that contract supergraph. Its API schema — what
 * validation and introspection see — holds only the contract, while the query
 * planner still uses the whole supergraph (keys, `@requires`, ...).
 *
 * Inclusion rules (Apollo contract semantics with one included tag, stricter on types):
 * - an object/interface field, argument or input field is included only when it
 *   carries the tag itself. A tag on a type includes nothing by itself: composition
 *   merges a type's tags from every subgraph, so one subgraph tagging `Patient`
 *   must not expose the fields other subgraphs add to it;
 * - an element whose required argument or input field is excluded is excluded
 *   (it could not be called), as is one whose type is excluded;
 * - an object/interface/input type with no included field is excluded, a union
 *   with no included member too; an interface field is excluded unless every
 *   included implementation includes it;
 * - leaf types (enums with all their values, custom scalars) and composite types
 *   are included when reachable from an included root field, and excluded
 *   otherwise, so introspection shows nothing a partner cannot query;
 * - elements already `@inaccessible` in the supergraph stay excluded.
 * The result is checked the way the gateway builds its API schema: anything else
 * the inaccessible spec forbids fails start-up (ContractError), never leaks.
 */
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloGateway, type GatewayConfig } from '@apollo/gateway';
import type { GraphQLSchema } from 'graphql';
import {
  ArgumentDefinition,
  FeatureVersion,
  FieldDefinition,
  INACCESSIBLE_VERSIONS,
  InputFieldDefinition,
  InputObjectType,
  InterfaceType,
  ObjectType,
  Supergraph,
  UnionType,
  baseType,
  buildSchema,
  inaccessibleIdentity,
  printSchema,
  tagIdentity,
  type NamedType,
  type Schema,
} from '@apollo/federation-internals';
import express from 'express';
import { CLINICAL_ROLES, Role, bearerToken, hasRole, type Principal, type TokenVerifier } from '../shared/auth';
import { forbidden } from '../shared/errors';
import { BODY_LIMIT, maskErrors, refuseSubscriptionsOverHttp, requestMetrics } from '../shared/http';
import { deadlinePlugin, graphqlLimits } from '../shared/limits';
import type { Logger } from '../shared/logger';
import { traceRequests } from '../shared/telemetry';
import { requestIdOf } from './server';

export const PARTNER_TAG = 'partner';
export const PARTNER_PATH = '/partner/graphql';

export class ContractError extends Error {}
/** The supergraph has nothing for partners (no Query field tagged): /partner/graphql is not served. */
export class NoContractError extends ContractError {}

type Field = FieldDefinition<ObjectType | InterfaceType>;
type InputValue = ArgumentDefinition<Field> | InputFieldDefinition;
type Element = NamedType | Field | InputValue;

/**
 * Returns the contract supergraph SDL: the input with every element outside the
 * `tag` contract marked @inaccessible. Throws ContractError when the result would
 * be invalid (for instance no Query field tagged).
 */
export function buildContractSupergraph(supergraphSdl: string, tag = PARTNER_TAG): string {
  const schema = buildSchema(supergraphSdl);
  const features = schema.coreFeatures;
  if (!features) throw new ContractError('The supergraph is not a core schema (no @link)');
  const tagFeature = features.getByIdentity(tagIdentity);
  const tagName = tagFeature?.directiveNameInSchema('tag');
  const existingInaccessible = features.getByIdentity(inaccessibleIdentity)?.directiveNameInSchema('inaccessible');

  const hasTag = (e: Element) => !!tagName && e.appliedDirectivesOf(tagName).some((d) => d.arguments().name === tag);
  const alreadyHidden = (e: Element) => !!existingInaccessible && e.hasAppliedDirective(existingInaccessible);
  const own = (t: NamedType) => !t.isBuiltIn && !features.sourceFeature(t) && !t.isIntrospectionType();

  // Candidate members before the constraints below remove any.
  const fields = new Set<Field>();
  const inputValues = new Set<InputValue>();
  const fieldTypes = schema.types().filter(own).filter((t): t is ObjectType | InterfaceType => t instanceof ObjectType || t instanceof InterfaceType);
  for (const type of fieldTypes) {
    for (const f of type.fields()) {
      if (alreadyHidden(type) || alreadyHidden(f) || !hasTag(f)) continue;
      fields.add(f);
      for (const a of f.arguments()) if (hasTag(a) && !alreadyHidden(a)) inputValues.add(a);
    }
  }
  const inputTypes = schema.types().filter(own).filter((t): t is InputObjectType => t instanceof InputObjectType);
  for (const type of inputTypes) {
    for (const f of type.fields()) if (!alreadyHidden(type) && !alreadyHidden(f) && hasTag(f)) inputValues.add(f);
  }

  // Constraints, to a fixpoint: whatever depends on an excluded element goes too.
  const typeIncluded = (t: NamedType): boolean => {
    if (t.isBuiltIn) return true;
    if (alreadyHidden(t)) return false;
    if (t instanceof ObjectType || t instanceof InterfaceType) return t.fields().some((f) => fields.has(f));
    if (t instanceof InputObjectType) return t.fields().some((f) => inputValues.has(f)) && t.fields().every((f) => !f.isRequired() || inputValues.has(f));
    if (t instanceof UnionType) return t.types().some(typeIncluded);
    return true; // enums and scalars: included when reachable (below)
  };
  for (let changed = true; changed;) {
    changed = false;
    const drop = <T>(set: Set<T>, e: T) => {
      set.delete(e);
      changed = true;
    };
    for (const v of inputValues) if (!typeIncluded(baseType(v.type!))) drop(inputValues, v);
    for (const f of fields) {
      const missingArgument = f.arguments().some((a) => a.isRequired() && !inputValues.has(a));
      if (missingArgument || !typeIncluded(baseType(f.type!))) drop(fields, f);
      else if (f.parent instanceof InterfaceType) {
        const implementations = f.parent.possibleRuntimeTypes().filter(typeIncluded);
        if (implementations.some((o) => !fields.has(o.field(f.name) as Field))) drop(fields, f);
      }
    }
  }

  // Reachability from the included root fields: what a partner can actually query.
  const reachable = new Set<NamedType>();
  const visit = (t: NamedType): void => {
    if (reachable.has(t) || !typeIncluded(t)) return;
    reachable.add(t);
    if (t instanceof ObjectType || t instanceof InterfaceType) {
      for (const f of t.fields()) {
        if (!fields.has(f)) continue;
        visit(baseType(f.type!));
        for (const a of f.arguments()) if (inputValues.has(a)) visit(baseType(a.type!));
      }
      if (t instanceof InterfaceType) t.possibleRuntimeTypes().forEach(visit);
    } else if (t instanceof UnionType) t.types().forEach(visit);
    else if (t instanceof InputObjectType) for (const f of t.fields()) if (inputValues.has(f)) visit(baseType(f.type!));
  };
  const roots = schema.schemaDefinition.roots().map((r) => r.type);
  roots.forEach(visit);
  const query = schema.schemaDefinition.rootType('query');
  if (!query || !reachable.has(query)) throw new NoContractError(`The "${tag}" contract has no Query field: tag at least one with @tag(name: "${tag}")`);

  // Mark everything else @inaccessible.
  let inaccessible = existingInaccessible;
  if (!inaccessible) {
    const spec = INACCESSIBLE_VERSIONS.find(new FeatureVersion(0, 2))!;
    const errors = features.coreDefinition.applyFeatureToSchema(schema, spec, undefined, 'SECURITY');
    if (errors.length) throw new ContractError(errors.map((e) => e.message).join('\n'));
    inaccessible = schema.coreFeatures!.getByIdentity(inaccessibleIdentity)!.directiveNameInSchema('inaccessible');
  }
  const hide = (e: Element) => {
    if (!e.hasAppliedDirective(inaccessible!)) e.applyDirective(inaccessible!);
  };
  for (const type of schema.types().filter(own)) {
    if (!reachable.has(type)) {
      hide(type);
      continue;
    }
    if (type instanceof ObjectType || type instanceof InterfaceType) {
      for (const f of type.fields()) {
        if (!fields.has(f)) hide(f);
        else for (const a of f.arguments()) if (!inputValues.has(a)) hide(a);
      }
    } else if (type instanceof InputObjectType) {
      for (const f of type.fields()) if (!inputValues.has(f)) hide(f);
    }
  }

  const contract = printSchema(schema);
  validateContract(contract);
  return contract;
}

/** Builds the contract's API schema as the gateway will; any inaccessible-spec violation fails start-up. */
function validateContract(contractSdl: string): Schema {
  try {
    return Supergraph.build(contractSdl).apiSchema();
  } catch (e) {
    const causes = (e as { causes?: { message: string }[] }).causes;
    throw new ContractError(`The partner contract is invalid: ${causes?.map((c) => c.message).join('; ') ?? (e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------
// The endpoint.

/**
 * `/partner/graphql` accepts partner staff of one organization and nobody else
 * (the counterpart of server.ts refuseOnClinicalEndpoint). A token mixing partner
 * and clinical, analyst or admin roles is refused: it would blur which side acts.
 * Returns why a principal is refused, or null.
 */
export function refuseOnPartnerEndpoint(p: Principal): string | null {
  if (!hasRole(p, Role.PARTNER_STAFF) || !p.org) return `${PARTNER_PATH} accepts only partner tokens (role partner_staff with org); clinical apps use /graphql`;
  if (hasRole(p, ...CLINICAL_ROLES, Role.ADMIN, Role.ANALYST)) return 'a partner token must not also carry clinical, analyst or admin roles';
  return null;
}

export interface PartnerContext {
  principal: Principal;
  authorization: string;
  requestId: string;
  endpoint: 'partner';
}

export interface PartnerEndpointOptions {
  /** The supergraph the clinical gateway starts with. */
  supergraphSdl: string;
  /** The clinical gateway: the contract follows its supergraph updates. */
  gateway: ApolloGateway;
  buildService: GatewayConfig['buildService'];
  verify: TokenVerifier;
  log: Logger;
}

export interface PartnerEndpoint {
  gateway: ApolloGateway;
  /** The contract supergraph currently served. */
  contractSdl(): string;
  /** The contract's API schema (for graphql-ws validation on the same path). */
  apiSchema(): GraphQLSchema;
  stop(): Promise<void>;
}

/**
 * What /partner/graphql answers when the supergraph has no partner contract: any
 * supergraph may be served (SUPERGRAPH_PATH), and one from elsewhere (a conformance
 * suite, another team's graph) has no `partner` tags. /graphql serves it all the same.
 */
function mountNoContract(app: express.Express, reason: string): void {
  app.use(PARTNER_PATH, (_req, res) => {
    res.status(404).json({
      errors: [{
        message: `There is no partner contract in this supergraph, so ${PARTNER_PATH} serves nothing (${reason})`,
        extensions: { code: 'NOT_FOUND', reason: 'NO_PARTNER_CONTRACT' },
      }],
    });
  });
}

/**
 * Starts a second ApolloGateway on the contract supergraph and mounts it on `app` at
 * /partner/graphql; or, when the supergraph holds no partner contract, mounts the
 * NO_PARTNER_CONTRACT answer there and returns undefined. Any other contract error
 * (a contract that would be invalid) still fails start-up: it must never leak.
 */
export async function mountPartnerEndpoint(app: express.Express, o: PartnerEndpointOptions): Promise<PartnerEndpoint | undefined> {
  let contractSdl: string;
  try {
    contractSdl = buildContractSupergraph(o.supergraphSdl);
  } catch (err) {
    if (!(err instanceof NoContractError)) throw err;
    o.log.warn({ path: PARTNER_PATH, reason: err.message }, 'no partner contract in this supergraph: /partner/graphql answers NO_PARTNER_CONTRACT; /graphql serves the whole supergraph');
    mountNoContract(app, err.message);
    // A later supergraph with a contract needs a restart to be served there (the endpoint is mounted once).
    o.gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
      try {
        buildContractSupergraph(coreSupergraphSdl);
        o.log.warn('the new supergraph has a partner contract: restart the gateway to serve /partner/graphql');
      } catch {
        // still no contract: nothing to say
      }
    });
    return undefined;
  }
  const gateway = new ApolloGateway({
    supergraphSdl: async ({ update }) => {
      // A new supergraph for /graphql is a new contract here; a contract that fails to build keeps the old one.
      o.gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
        try {
          const next = buildContractSupergraph(coreSupergraphSdl);
          if (next !== contractSdl) update((contractSdl = next));
        } catch (err) {
          o.log.error({ err: (err as Error).message }, 'partner contract not updated; still serving the previous one');
        }
      });
      return { supergraphSdl: contractSdl };
    },
    buildService: o.buildService,
    logger: o.log,
  });
  // The same query limits as /graphql (shared/limits.ts); the rate limit and deadline are mounted in front by server.ts.
  const limits = graphqlLimits('gateway');
  const server = new ApolloServer<PartnerContext>({
    gateway, ...limits, plugins: [...limits.plugins, deadlinePlugin(), refuseSubscriptionsOverHttp(), requestMetrics('gateway-partner')], formatError: maskErrors(o.log),
    includeStacktraceInErrorResponses: false, stopOnTerminationSignals: false,
  });
  await server.start();
  app.use(
    PARTNER_PATH,
    express.json({ limit: BODY_LIMIT }),
    // The same request id, trace and log line as /graphql (shared/telemetry.ts).
    traceRequests('gateway', o.log),
    expressMiddleware(server, {
      context: async ({ req }) => {
        const token = bearerToken(req.headers.authorization);
        const principal = await o.verify(token);
        const refusal = refuseOnPartnerEndpoint(principal);
        if (refusal) throw forbidden(`This endpoint serves community partners: ${refusal}`, { http: { status: 403 } });
        return { principal, authorization: `Bearer ${token}`, requestId: requestIdOf(req), endpoint: 'partner' as const };
      },
    }),
  );
  return { gateway, contractSdl: () => contractSdl, apiSchema: () => gateway.schema!, stop: () => server.stop() };
}
