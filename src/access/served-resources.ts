import { Injectable } from '@nestjs/common';
import type { AnyResource } from './resource.js';

/**
 * The resources this application serves, by name, as their tables are created: what the
 * audit trail reads a resource's field rules from when it shows old values.
 */
@Injectable()
export class ServedResources {
  private readonly byName = new Map<string, AnyResource>();

  add(resource: AnyResource): void {
    const known = this.byName.get(resource.name);
    if (known && known !== resource) throw new Error(`Two resources are named "${resource.name}"; resource names must be unique`);
    this.byName.set(resource.name, resource);
  }

  get(name: string): AnyResource | undefined {
    return this.byName.get(name);
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }
}
