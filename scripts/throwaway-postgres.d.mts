export function freePort(): Promise<number>;
export function startPostgres(options?: {
  maxConnections?: number;
  /** Every acknowledged commit survives `crash()` (synchronous commits; slower). */
  crashSafe?: boolean;
}): Promise<{
  url: string;
  /** Stops the cluster and removes its files. */
  stop: () => void;
  /** `pg_ctl -m immediate stop`: every connection dies at once; the files stay. */
  crash: () => void;
  /** Starts the cluster again after `crash`, on the same port. */
  start: () => void;
}>;
