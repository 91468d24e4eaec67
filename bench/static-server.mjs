// Serves the files of one folder over HTTP on loopback, for bench/download.ts. Runs in its own
// process so that its buffers do not count in the measured process's memory.
//   node static-server.mjs <folder> [pieceBytes]
// With pieceBytes, each file is written in pieces of that size, as a TLS connection (16 KB
// records) or a slow link delivers a body.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const [dir, pieceArg = '0'] = process.argv.slice(2);
const piece = Number(pieceArg);

function writeInPieces(res, bytes) {
  let offset = 0;
  const next = () => {
    while (offset < bytes.length) {
      const end = Math.min(bytes.length, offset + piece);
      const more = res.write(bytes.subarray(offset, end));
      offset = end;
      if (!more) return void res.once('drain', next);
    }
    res.end();
  };
  next();
}

const server = createServer((req, res) => {
  const path = join(dir, (req.url ?? '/').split('?')[0].replace(/\.\./g, ''));
  try {
    const size = statSync(path).size;
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': size });
    if (piece > 0) writeInPieces(res, readFileSync(path));
    else createReadStream(path).pipe(res);
  } catch {
    res.writeHead(404).end();
  }
});
server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`));
