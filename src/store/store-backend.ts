/** A database backend as the store worker holds it: the storage interfaces plus what its metrics read. */
import type { AdminStore } from '../storage/admin-store.ts';
import type { Backend, CharacterStore } from '../storage/character-store.ts';

export interface StoreBackend extends CharacterStore, AdminStore {
  readonly backend: Backend;
  /** Statements sent to the database so far (BEGIN and COMMIT included): `store_statements_total`. */
  readonly statements: number;
  /** Connections busy with a request right now. */
  connectionsInUse(): number;
}
