import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { isCmykJpeg, jpegComponents } from '../../src/extension/assets/jpegColour';
import { thrownText } from '../../src/extension/assets/workerProtocol';
import { localPipeline } from '../support/wasm';

/** A JPEG's start as Photoshop writes it: SOI, an Adobe APP14 segment, then a baseline frame header of `components`. */
function jpegHeader(components: number, marker = 0xc0): Uint8Array {
  const adobe = [0xff, 0xee, 0x00, 0x0e, ...Buffer.from('Adobe'), 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x02];
  const frame = [0xff, marker, 0x00, 8 + 3 * components, 0x08, 0x00, 0x10, 0x00, 0x10, components];
  for (let index = 1; index <= components; index++) frame.push(index, 0x11, 0x00);
  return new Uint8Array([0xff, 0xd8, ...adobe, ...frame]);
}

describe('CMYK JPEG sources', () => {
  const { codecs } = localPipeline();

  it('tells a four-component (CMYK or YCCK) JPEG from a YCbCr or grey one by its frame header', () => {
    assert.equal(isCmykJpeg(jpegHeader(4)), true);
    assert.equal(isCmykJpeg(jpegHeader(4, 0xc2)), true, 'progressive');
    assert.equal(isCmykJpeg(jpegHeader(3)), false);
    assert.equal(jpegComponents(jpegHeader(1)), 1);
    assert.equal(jpegComponents(jpegHeader(4).subarray(0, 20)), undefined, 'cut off before the frame');
    assert.equal(jpegComponents(new Uint8Array([0x89, 0x50, 0x4e, 0x47])), undefined, 'not a JPEG');
  });

  it('finds the frame header of a real CMYK JPEG, and refuses to decode it with a readable reason; the decoder still works after', async () => {
    const blue = { create: { width: 16, height: 8, channels: 3 as const, background: { r: 20, g: 60, b: 200 } } };
    const cmyk = new Uint8Array(await sharp(blue).toColourspace('cmyk').jpeg().toBuffer());
    const rgb = new Uint8Array(await sharp(blue).jpeg().toBuffer());
    assert.equal(isCmykJpeg(cmyk), true);
    assert.equal(isCmykJpeg(rgb), false);
    await assert.rejects(codecs.decode(cmyk), (error: unknown) => error instanceof TypeError && /CMYK/.test(error.message) && /RGB JPEG or a PNG/.test(error.message));
    assert.deepEqual([(await codecs.decode(rgb)).width, (await codecs.decode(rgb)).height], [16, 8]);
  });

  it('reports a codec that stops its program as a TypeError with the codec\'s words, and starts that codec afresh next time', async () => {
    const rgb = new Uint8Array(await sharp({ create: { width: 4, height: 4, channels: 3, background: '#336699' } }).jpeg().toBuffer());
    await codecs.decode(rgb);
    const inside = codecs as unknown as { guarded(name: string, run: () => unknown): unknown; started: Map<string, unknown> };
    assert.ok(inside.started.has('jpegDecoder'));
    assert.throws(
      () => inside.guarded('jpegDecoder', () => {
        // Emscripten's ExitStatus is no Error: this stands in for it.
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw { name: 'ExitStatus', message: 'Program terminated with exit(1)', status: 1 };
      }),
      (error: unknown) => error instanceof TypeError && error.message.includes('(Program terminated with exit(1))') && !error.message.includes('[object Object]'),
    );
    assert.equal(inside.started.has('jpegDecoder'), false);
    assert.equal((await codecs.decode(rgb)).width, 4);
  });

  it('turns what a codec throws that is not an Error into readable text, never [object Object]', () => {
    assert.equal(thrownText({ name: 'ExitStatus', message: 'Program terminated with exit(1)', status: 1 }), 'Program terminated with exit(1)');
    assert.equal(thrownText({ name: 'ExitStatus' }), 'ExitStatus');
    assert.equal(thrownText({ status: 1 }), '{"status":1}');
    assert.equal(thrownText(new RangeError('too big')), 'too big');
    assert.equal(thrownText(7), '7');
  });
});
