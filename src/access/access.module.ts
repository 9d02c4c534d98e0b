import { Global, Module } from '@nestjs/common';
import { ServedResources } from './served-resources.js';

/** What every feature module's tables share: the registry of resources the app serves. */
@Global()
@Module({ providers: [ServedResources], exports: [ServedResources] })
export class AccessModule {}
