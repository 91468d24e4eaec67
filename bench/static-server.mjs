// Serves the files of one folder over HTTP on loopback, for bench/download.ts. Runs in its own
// process so that its buffers do not count in the measured process's memory.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const dir = process.argv[2];
const server = createServer((req, res) => {
  const path = join(dir, (req.url ?? '/').split('?')[0].replace(/\.\./g, ''));
  try {
    const size = statSync(path).size;
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': size });
    createReadStream(path).pipe(res);
  } catch {
    res.writeHead(404).end();
  }
});
server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`));
