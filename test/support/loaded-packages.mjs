// Preloaded with `node --import` by CLI start-up tests: on exit, prints the npm packages the process
// loaded through require (exceljs, knex, pg-boss, node-opcua… are CommonJS) as one stderr line.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
process.on('exit', () => {
  const names = new Set();
  for (const file of Object.keys(require('node:module')._cache)) {
    const m = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file);
    if (m) names.add(m[1].replace('\\', '/'));
  }
  process.stderr.write(`loaded-packages: ${[...names].sort().join(' ')}\n`);
});
