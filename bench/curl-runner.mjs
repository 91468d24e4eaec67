// Runs curl for bench/download.ts, from a process of its own. Each line on stdin is a JSON array
// of curl's arguments; each answer on stdout is one JSON line with what curl printed.
//
// Why a process of its own: starting a program forks the process that starts it, and after a
// fork every page of that process is shared copy-on-write until it is written again. Started
// from the measured process, each curl round cost the next download of that process 9,000 to
// 10,000 page faults (its buffers land on those pages), 100 to 150 ms of 300 on this kind of
// machine, paid by whichever contender happened to follow curl.
import { execFile } from 'node:child_process';
import { createInterface } from 'node:readline';

for await (const line of createInterface({ input: process.stdin })) {
  const answer = await new Promise((resolve) =>
    execFile('curl', JSON.parse(line), { encoding: 'utf8' }, (error, stdout) => resolve(error ? { error: String(error) } : { stdout })),
  );
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
