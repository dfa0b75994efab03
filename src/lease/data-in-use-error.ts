/**
 * Another server already runs on this data (the embedded database's DATA_DIR, or NODE_ID on a
 * MySQL database): this one stops before changing anything, with exit code 3.
 */
export class DataInUseError extends Error {
  override readonly name: string = 'DataInUseError';
}
