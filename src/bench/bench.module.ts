import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module.js';
import { BenchController } from './bench.controller.js';

@Module({ imports: [UsersModule], controllers: [BenchController] })
export class BenchModule {}
