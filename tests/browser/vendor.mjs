// Copies the browser libraries the pages use from node_modules into static/vendor/ (committed,
// so the server needs no npm to run): `npm ci && npm run vendor` after a version change here.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const vendor = join(here, '..', '..', 'static', 'vendor');

const qr = join(here, 'node_modules', 'qrcode-generator');
const version = JSON.parse(readFileSync(join(qr, 'package.json'), 'utf8')).version;
mkdirSync(join(vendor, 'qrcode-generator'), { recursive: true });
copyFileSync(join(qr, 'qrcode.js'), join(vendor, 'qrcode-generator', 'qrcode.js'));
writeFileSync(
  join(vendor, 'qrcode-generator', 'VERSION'),
  `qrcode-generator ${version} (npm), MIT licence, copied by tests/browser/vendor.mjs\n`,
);
console.log(`vendored qrcode-generator ${version}`);
