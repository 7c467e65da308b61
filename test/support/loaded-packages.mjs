// Preloaded with `node --import` by CLI start-up tests: on exit, prints the npm packages the process
// loaded, through require (exceljs, knex, pg-boss, node-opcua… are CommonJS) or import (zod is ESM),
// as one stderr line, and the project's own modules it imported as another.
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const ROOT = new URL('../../', import.meta.url).href;
const PACKAGE = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/;

// module hooks run on their own thread: resolved URLs come back over a port
const imported = new Set();
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => imported.add(url));
port1.unref();
const hook = `
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (result.url.startsWith('file:')) port.postMessage(result.url);
  return result;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, { data: { port: port2 }, transferList: [port2] });

process.on('exit', () => {
  const names = new Set();
  const files = new Set();
  for (const file of [...Object.keys(require('node:module')._cache), ...imported]) {
    const m = PACKAGE.exec(file);
    if (m) names.add(m[1].replace('\\', '/'));
    else if (file.startsWith(ROOT)) files.add(file.slice(ROOT.length));
  }
  process.stderr.write(`loaded-packages: ${[...names].sort().join(' ')}\n`);
  process.stderr.write(`loaded-modules: ${[...files].sort().join(' ')}\n`);
});
