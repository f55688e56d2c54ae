// The baseline: a raw node:http server that answers every request with the exact bytes (and
// content type) of one real answer of scenario R. Whatever the server does beyond this —
// routing, auth, validation, SQL, serialisation — is what the ratio to the baseline measures.
// Plain JavaScript, run by plain node: no loader, so its CPU and memory are node:http's alone.
//
// Usage: node bench/baseline.mjs <body-file> <content-type> <port>
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [bodyFile, contentType, port] = process.argv.slice(2);
if (!bodyFile || !contentType || !port) {
  process.stderr.write('usage: baseline.mjs <body-file> <content-type> <port>\n');
  process.exit(2);
}
const body = readFileSync(bodyFile);
const headers = { 'content-type': contentType, 'content-length': String(body.length) };

const server = createServer((request, response) => {
  // Drain any request body first, as a real handler would.
  request.resume();
  request.on('end', () => {
    response.writeHead(200, headers);
    response.end(body);
  });
});
server.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
