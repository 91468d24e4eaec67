// Serves the files of one folder over HTTP on loopback, for bench/download.ts. Runs in its own
// process so that its buffers do not count in the measured process's memory, and so that its
// work is the same whoever the client is.
//   node static-server.mjs <folder> [pieceBytes] [bytesPerSecond] [latencyMs]
// With pieceBytes, each file is written in pieces of that size, as a TLS connection (16 KB
// records) or a slow link delivers a body. With bytesPerSecond, the bytes of each response are
// paced by a token bucket, as a link of that speed delivers them; with latencyMs, each response
// starts that long after its request came, as one round trip over a link with that latency.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const [dir, pieceArg = '0', rateArg = '0', latencyArg = '0'] = process.argv.slice(2);
const piece = Number(pieceArg);
const rate = Number(rateArg);
const latencyMs = Number(latencyArg);
/** The size of the pieces a body is written in. */
const pieceSize = piece > 0 ? piece : 64 * 1024;
/**
 * The most a paced response may write at once: two pieces, or the bytes of 4 ms at the link's
 * speed. It holds more than one piece, so that a timer that fires late does not lose the link's
 * time.
 */
const burst = Math.max(2 * pieceSize, Math.round(rate * 0.004));

/** Writes the body in pieces, each as soon as the socket takes it, or as the link's speed allows. */
function writeInPieces(res, bytes) {
  let offset = 0;
  let tokens = rate > 0 ? pieceSize : Infinity;
  let last = performance.now();
  const next = () => {
    if (rate > 0) {
      const now = performance.now();
      // A token bucket: the link's speed refills it; what a stall did not use is not saved up
      // beyond one burst.
      tokens = Math.min(burst, tokens + ((now - last) / 1000) * rate);
      last = now;
    }
    while (offset < bytes.length) {
      const end = Math.min(bytes.length, offset + pieceSize);
      if (end - offset > tokens) return void setTimeout(next, 1);
      tokens -= end - offset;
      const more = res.write(bytes.subarray(offset, end));
      offset = end;
      if (!more) return void res.once('drain', next);
    }
    res.end();
  };
  next();
}

function answer(req, res) {
  const path = join(dir, (req.url ?? '/').split('?')[0].replace(/\.\./g, ''));
  try {
    const size = statSync(path).size;
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': size });
    if (piece > 0 || rate > 0) writeInPieces(res, readFileSync(path));
    else createReadStream(path).pipe(res);
  } catch {
    res.writeHead(404).end();
  }
}

const server = createServer((req, res) => (latencyMs > 0 ? setTimeout(answer, latencyMs, req, res) : answer(req, res)));
// Connections stay open between the turns (a turn over a slow link takes longer than Node's 5 s
// default): a client reusing a connection that the server is closing would fail with a reset.
server.keepAliveTimeout = 0;
server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`));
