import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';
import { buildApp } from '../src/app.js';
import { createDatabase } from '../src/db/database.js';
import { createServices } from '../src/services.js';

/**
 * `npm run client:generate`: writes `client/schema.d.ts`, the typed client's types, from the
 * OpenAPI document the app serves. The app is booted in-process (no port, no data: building the
 * document touches no table). The output is stable: the document is sorted and the text formatted.
 */

export const SCHEMA_FILE = resolve(fileURLToPath(new URL('..', import.meta.url)), 'client/schema.d.ts');

/** The document exactly as `GET /openapi.json` serves it. */
export async function servedDocument(): Promise<OpenAPI3> {
  const dir = mkdtempSync(join(tmpdir(), 'loyalty-openapi-'));
  const database = createDatabase(`file:${join(dir, 'openapi.sqlite')}`);
  try {
    const app = await buildApp({
      services: createServices(database),
      config: { bodyLimit: 65536, logLevel: 'silent' },
      logger: false,
    });
    try {
      await app.ready();
      const res = await app.inject({ method: 'GET', url: '/openapi.json' });
      if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}`);
      return res.json();
    } finally {
      await app.close();
    }
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of `client/schema.d.ts` for a document. */
export async function generateClientTypes(document: OpenAPI3): Promise<string> {
  // openapi-typescript may annotate the object it is given; keep the caller's copy intact.
  const ast = await openapiTS(structuredClone(document), { silent: true });
  const header =
    COMMENT_HEADER +
    '// Generated from the served OpenAPI document by `npm run client:generate`; a test fails when it is stale.\n\n';
  const options = (await resolveConfig(SCHEMA_FILE)) ?? {};
  return format(header + astToString(ast), { ...options, parser: 'typescript' });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const text = await generateClientTypes(await servedDocument());
  writeFileSync(SCHEMA_FILE, text);
  process.stdout.write(`wrote ${SCHEMA_FILE} (${text.length} bytes)\n`);
}
