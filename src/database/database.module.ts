import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { DatabaseConfig } from '../config/database.config';
import { dataSourceOptions } from './data-source-options';
import { DatabaseConnector } from './database-connector';
import { EMBEDDED_DATABASE } from './database.tokens';
import { EmbeddedDatabase } from './embedded-database';

/** Closes PGlite after the pool that talks to it, so no statement is cut off. */
@Injectable()
class EmbeddedDatabaseCloser implements OnApplicationShutdown {
  private readonly logger = new Logger('EmbeddedDatabase');
  constructor(
    @Inject(EMBEDDED_DATABASE) private readonly embedded: EmbeddedDatabase | null,
    private readonly dataSource: DataSource,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.embedded) return;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.embedded.close();
    this.logger.log('embedded database closed');
  }
}

@Module({
  providers: [
    {
      provide: EMBEDDED_DATABASE,
      inject: [ConfigService],
      useFactory: async (config: ConfigService): Promise<EmbeddedDatabase | null> => {
        const db = config.getOrThrow<DatabaseConfig>('database');
        return db.url ? null : EmbeddedDatabase.open(db.dataDir);
      },
    },
  ],
  exports: [EMBEDDED_DATABASE],
})
class EmbeddedDatabaseModule {}

/** The data source of the app, over the given entities (src/entities.ts): `DatabaseModule.forRoot(ENTITIES)`. */
@Module({})
export class DatabaseModule {
  static forRoot(entities: NonNullable<DataSourceOptions['entities']>): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        EmbeddedDatabaseModule,
        TypeOrmModule.forRootAsync({
          imports: [EmbeddedDatabaseModule],
          inject: [ConfigService, EMBEDDED_DATABASE],
          useFactory: (config: ConfigService, embedded: EmbeddedDatabase | null) => {
            const db = config.getOrThrow<DatabaseConfig>('database');
            return {
              ...dataSourceOptions(db, entities, embedded ?? undefined),
              migrationsRun: db.migrationsRun,
              // DatabaseConnector connects, so that a database that is down does not stop the start
              manualInitialization: true,
            };
          },
        }),
      ],
      providers: [DatabaseConnector, EmbeddedDatabaseCloser],
      exports: [EmbeddedDatabaseModule],
    };
  }
}
