import type { INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { ACCESS_KEY, type AccessRule } from '../../src/auth/decorators/access.decorator.js';
import { OPERATION_KEY, type OperationLabel } from '../../src/openapi/operation.decorator.js';

export interface RouteInfo {
  route: string;
  handler: string;
  rule: AccessRule | undefined;
  /** What its @Operation says (the operationId, and the resource the audit trail files it under). */
  operation: OperationLabel | undefined;
}

/** Every HTTP handler of the running app, with the access rule it declares (or not). */
export function routesOf(app: INestApplication): RouteInfo[] {
  const scanner = new MetadataScanner();
  const routes: RouteInfo[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const base = Reflect.getMetadata(PATH_METADATA, controller) as string;
      for (const name of scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name] as object;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (path === undefined) continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as number;
        const rule = (Reflect.getMetadata(ACCESS_KEY, handler) ?? Reflect.getMetadata(ACCESS_KEY, controller)) as
          | AccessRule
          | undefined;
        const operation = Reflect.getMetadata(OPERATION_KEY, handler) as OperationLabel | undefined;
        routes.push({ route: `${method} /${[base, path].filter((p) => p && p !== '/').join('/')}`, handler: `${controller.name}.${name}`, rule, operation });
      }
    }
  }
  return routes;
}
