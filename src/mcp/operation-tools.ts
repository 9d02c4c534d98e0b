import { Injectable, RequestMethod, type OnModuleInit } from '@nestjs/common';
import {
  CUSTOM_ROUTE_ARGS_METADATA,
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  INTERCEPTORS_METADATA,
  METHOD_METADATA,
  PIPES_METADATA,
  ROUTE_ARGS_METADATA,
} from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { ACCESS_KEY, type AccessRule } from '../auth/decorators/access.decorator.js';
import { currentUserOf } from '../auth/decorators/current-user.decorator.js';
import type { Principal } from '../auth/principal.js';
import { CreatedLocation, OPERATION_KEY, type OperationLabel } from '../openapi/operation.decorator.js';

type Args = Record<string, unknown>;

/** Where one argument of a handler comes from, in its parameter order. */
type Parameter =
  | { kind: 'caller' }
  | { kind: 'id'; schema: z.ZodType }
  | { kind: 'query'; schema: z.ZodObject }
  | { kind: 'body'; schema: z.ZodObject };

/** One REST operation, offered as an MCP tool. */
export interface OperationTool {
  name: string;
  resource: string;
  title: string;
  description: string;
  /**
   * What the model sees: the id, query and body fields of the operation as one object.
   * It advertises them only; `parse` validates, so that a refused call is answered and
   * audited like any other.
   */
  inputSchema: StandardSchemaWithJSON;
  /** The REST answer's schema, for operations that answer with an object (a delete answers nothing). */
  outputSchema: StandardSchemaWithJSON | undefined;
  rule: AccessRule;
  status: OperationLabel['status'];
  annotations: { readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: false };
  /** Validates the arguments with the operation's own schemas (throws 400 like the REST route). */
  parse(args: unknown): Promise<unknown[]>;
  /** Calls the controller method with the caller and the parsed arguments. */
  invoke(user: Principal, parsed: unknown[]): Promise<unknown>;
}

/** Thrown for arguments the operation's schemas refuse; answered like a 400. */
export class InvalidArguments extends Error {}

/**
 * The operations of the REST API, discovered from the controllers: every handler whose
 * `@Operation` names a resource becomes a tool with the same name (its operationId), the
 * same wording, the same input schemas (`@IdParam`, `@Query({ schema })`,
 * `@Body({ schema })`), the same access rule and the same code. Adding a resource and its
 * controller adds its tools; nothing here is specific to one resource.
 */
@Injectable()
export class OperationTools implements OnModuleInit {
  private list: OperationTool[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  get tools(): readonly OperationTool[] {
    return this.list;
  }

  onModuleInit(): void {
    const tools: OperationTool[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const handler = (prototype as Record<string, (...a: unknown[]) => unknown>)[method];
        const label = this.reflector.get<OperationLabel | undefined>(OPERATION_KEY, handler);
        if (!label?.resource) continue;
        const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_KEY, [handler, metatype]);
        if (!rule || rule.kind === 'public') continue;
        refuseEnhancers(metatype, handler, `${metatype.name}.${method}`);
        tools.push(
          operationTool(label, rule, Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod, parametersOf(metatype, method), (args) =>
            Promise.resolve(handler.apply(instance, args)),
          ),
        );
      }
    }
    const names = tools.map((t) => t.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw new Error(`Two operations are named ${twice}; operationIds name MCP tools and must be unique`);
    this.list = tools.sort((a, b) => a.name.localeCompare(b.name));
  }
}

/**
 * A tool runs the handler itself, not through Nest's request pipeline: the global guards,
 * pipe, interceptors and filter have their counterparts here (the access rule, `parse`,
 * the audit call, `asHttpException`), but guards, pipes, interceptors or filters attached
 * to one controller or handler would be skipped. Such a route is refused at start-up
 * rather than served by MCP without them. (CreatedLocation only sets a REST header.)
 */
function refuseEnhancers(controller: object, handler: object, where: string): void {
  for (const [key, what] of [
    [GUARDS_METADATA, 'guards'],
    [PIPES_METADATA, 'pipes'],
    [EXCEPTION_FILTERS_METADATA, 'exception filters'],
    [INTERCEPTORS_METADATA, 'interceptors'],
  ] as const) {
    const attached = [...((Reflect.getMetadata(key, controller) as unknown[]) ?? []), ...((Reflect.getMetadata(key, handler) as unknown[]) ?? [])];
    const unknown = attached.filter((e) => !(key === INTERCEPTORS_METADATA && e === CreatedLocation));
    if (unknown.length > 0) throw new Error(`${where} has its own ${what}, which MCP tools would skip; move the check into the resource declaration or a global ${what.slice(0, -1)}`);
  }
}

/** The handler's parameters from Nest's route argument metadata (what `@Query`, `@Body`, `@Param` and `@CurrentUser` record). */
function parametersOf(controller: object, method: string): Parameter[] {
  const metadata = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<string, { index: number; data?: unknown; schema?: unknown; factory?: unknown; pipes?: unknown[] }>;
  const parameters: Parameter[] = [];
  for (const [key, arg] of Object.entries(metadata)) {
    const type = key.split(':')[0];
    const where = `${(controller as { name: string }).name}.${method}`;
    // Pipes of one parameter, or @Query('x') / @Body('x') picking one field, would be skipped or read differently.
    if ((arg.pipes?.length ?? 0) > 0 || (arg.data !== undefined && !(type === String(RouteParamtypes.PARAM) && arg.data === 'id'))) {
      throw new Error(`${where}: parameter ${arg.index} has pipes or picks a field; MCP tools take whole schemas (@Query({ schema }), @Body({ schema }))`);
    }
    if (key.includes(CUSTOM_ROUTE_ARGS_METADATA) && arg.factory === currentUserOf) parameters[arg.index] = { kind: 'caller' };
    else if (type === String(RouteParamtypes.PARAM) && arg.data === 'id' && arg.schema instanceof z.ZodType) parameters[arg.index] = { kind: 'id', schema: arg.schema };
    else if (type === String(RouteParamtypes.QUERY) && arg.schema instanceof z.ZodObject) parameters[arg.index] = { kind: 'query', schema: arg.schema };
    else if (type === String(RouteParamtypes.BODY) && arg.schema instanceof z.ZodObject) parameters[arg.index] = { kind: 'body', schema: arg.schema };
    else throw new Error(`${where}: parameter ${arg.index} cannot be offered as an MCP tool argument (use @CurrentUser, @IdParam, @Query({ schema }) or @Body({ schema }) with zod objects)`);
  }
  return parameters;
}

function operationTool(label: OperationLabel, rule: AccessRule, method: RequestMethod, parameters: Parameter[], call: (args: unknown[]) => Promise<unknown>): OperationTool {
  const shape: Record<string, z.ZodType> = {};
  for (const p of parameters) {
    const fields = p.kind === 'id' ? { id: p.schema } : p.kind === 'caller' ? {} : p.schema.shape;
    for (const [name, schema] of Object.entries(fields)) {
      if (name in shape) throw new Error(`${label.id}: argument ${name} comes from two places`);
      shape[name] = schema;
    }
  }
  const read = method === RequestMethod.GET;
  return {
    name: label.id,
    resource: label.resource!,
    title: label.summary,
    description: label.description,
    inputSchema: advertised(z.object(shape)),
    outputSchema: label.returns instanceof z.ZodObject ? label.returns : undefined,
    rule,
    status: label.status,
    // Idempotent: repeating the call leaves the data as one call does (a delete's second call is a 404).
    annotations: { readOnlyHint: read, destructiveHint: method === RequestMethod.DELETE, idempotentHint: read || method === RequestMethod.PUT || method === RequestMethod.DELETE, openWorldHint: false },
    async parse(args) {
      if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new InvalidArguments('arguments must be an object');
      const given = args as Args;
      const known = new Set(Object.keys(shape));
      const unknown = Object.keys(given).filter((k) => !known.has(k));
      if (unknown.length > 0) throw new InvalidArguments(`unknown argument${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; this tool takes ${[...known].join(', ') || 'none'}`);
      return Promise.all(
        parameters.map(async (p) => {
          if (p.kind === 'caller') return undefined;
          const value = p.kind === 'id' ? given.id : Object.fromEntries(Object.keys(p.schema.shape).filter((k) => k in given).map((k) => [k, given[k]]));
          const result = await p.schema.safeParseAsync(value);
          if (!result.success) throw new InvalidArguments(result.error.issues.map((i) => `${p.kind === 'id' ? 'id' : i.path.join('.')}: ${i.message}`.replace(/^: /, '')).join('; '));
          return result.data;
        }),
      );
    },
    invoke: (user, parsed) => call(parameters.map((p, i) => (p.kind === 'caller' ? user : parsed[i]))),
  };
}

/** A schema that shows the tool's arguments in tools/list and lets every call through to `parse`. */
function advertised(schema: z.ZodObject): StandardSchemaWithJSON {
  const own = schema['~standard'];
  return { '~standard': { vendor: own.vendor, version: own.version, jsonSchema: own.jsonSchema, validate: (value: unknown) => ({ value: value ?? {} }) } };
}
