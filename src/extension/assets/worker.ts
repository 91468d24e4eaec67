/*
 * The asset worker's entry (`dist/assetsWorker.js`): decodes, resizes and encodes images off the
 * extension host's thread, with the codecs compiled on first use.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Codecs } from './codecs';
import { runOutputs } from './outputs';
import { Resizer } from './resize';
import { WasmLoader, wasmInDirectory } from './wasmLoader';
import { thrownText, transferables, type WorkerMessage, type WorkerReply, type WorkerSetup } from './workerProtocol';

const setup = workerData as WorkerSetup;
const loader = new WasmLoader(wasmInDirectory(setup.wasmDirectory));
const codecs = new Codecs(loader);
const resizer = new Resizer(loader);

function handle(message: WorkerMessage): Promise<unknown> {
  switch (message.op) {
    case 'decode':
      return codecs.decode(message.bytes);
    case 'resize':
      return resizer.resize(message.image, message.request);
    case 'encode':
      return codecs.encode(message.image, message.options);
    case 'run':
      return runOutputs(codecs, resizer, message.source, message.outputs, message.chain);
  }
}

parentPort?.on('message', (message: WorkerMessage) => {
  handle(message).then(
    (result) => {
      const reply: WorkerReply = { id: message.id, ok: true, result };
      parentPort?.postMessage(reply, transferables(result));
    },
    (error: unknown) => {
      const reply: WorkerReply = {
        id: message.id,
        ok: false,
        name: error instanceof Error ? error.name : 'Error',
        message: thrownText(error),
      };
      parentPort?.postMessage(reply);
    },
  );
});
