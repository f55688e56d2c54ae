export function freePort(): Promise<number>;
export function startPostgres(options?: {
  maxConnections?: number;
}): Promise<{ url: string; stop: () => void }>;
