export function startPostgres(options?: {
  maxConnections?: number;
}): Promise<{ url: string; stop: () => void }>;
