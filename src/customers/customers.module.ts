import { Module } from '@nestjs/common';
import { scopedTableProvider } from '../access/scoped-table.provider.js';
import { customerResource } from './customer.resource.js';
import { CustomersController } from './customers.controller.js';

@Module({ controllers: [CustomersController], providers: [scopedTableProvider(customerResource)] })
export class CustomersModule {}
