/**
 * Picks the backend from the configuration: MySQL when MYSQL_URL is set, otherwise the embedded
 * SQLite file under DATA_DIR. Logs which one, without the password.
 */
import type { Config } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';
import type { EconomyBackend } from './metered-economy.ts';
import { MysqlStore } from './mysql-store.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { StoreBackend } from './store-backend.ts';

export type StoreConfig = Pick<Config, 'mysqlUrl' | 'mysqlPoolSize' | 'storeCallTimeoutMs' | 'dataDir' | 'flushBatchRows'>;

export function openStore(config: StoreConfig, log: Logger): StoreBackend & EconomyBackend {
  if (config.mysqlUrl !== '') {
    const url = new URL(config.mysqlUrl);
    const store = new MysqlStore(config.mysqlUrl, config.mysqlPoolSize, config.flushBatchRows, config.storeCallTimeoutMs);
    log.info({ backend: store.backend, server: url.host, database: url.pathname.slice(1), user: url.username, poolSize: config.mysqlPoolSize }, 'store: MySQL');
    return store;
  }
  const store = new SqliteStore(config.dataDir, config.flushBatchRows);
  log.info({ backend: store.backend, file: store.file }, 'store: embedded SQLite');
  return store;
}
