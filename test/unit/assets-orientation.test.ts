import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { imageOrientation, readImageSize } from '../../src/common/imageType';
import { localPipeline } from '../support/wasm';

/** A 60x30 picture of four flat quarters: red, green above; blue, white below. */
async function quarters(): Promise<Buffer> {
  const width = 60;
  const height = 30;
  const data = Buffer.alloc(width * height * 3);
  const colours = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [255, 255, 255],
  ];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(colours[(y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)]!, (y * width + x) * 3);
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** The colour at the centre of each quarter of an RGBA image, in reading order. */
function corners(image: { width: number; height: number; data: Uint8Array }, channels = 4): number[][] {
  return [
    [0.25, 0.25],
    [0.75, 0.25],
    [0.25, 0.75],
    [0.75, 0.75],
  ].map(([fx, fy]) => {
    const at = (Math.floor(fy! * image.height) * image.width + Math.floor(fx! * image.width)) * channels;
    return [0, 1, 2].map((channel) => Math.round(image.data[at + channel]! / 255));
  });
}

describe('Photos with an EXIF orientation (a phone portrait stored sideways)', () => {
  const { codecs } = localPipeline();

  const tagged = {
    jpeg: async (orientation: number) => sharp(await quarters()).jpeg({ quality: 100 }).withMetadata({ orientation }).toBuffer(),
    tiff: async (orientation: number) => sharp(await quarters()).tiff({ compression: 'lzw' }).withMetadata({ orientation }).toBuffer(),
  };
  for (const [format, orientations] of [['jpeg', [1, 2, 3, 4, 5, 6, 7, 8]], ['tiff', [1, 3, 6, 8]]] as const) {
    for (const orientation of orientations) {
      it(`reads and decodes a ${format.toUpperCase()}'s orientation ${orientation} as a viewer shows it`, async () => {
        const bytes = await tagged[format](orientation);
        assert.equal(imageOrientation(bytes), orientation);
        // What a viewer shows: sharp turns it upright by the same tag.
        const { data, info } = await sharp(bytes).rotate().raw().toBuffer({ resolveWithObject: true });
        assert.deepEqual(readImageSize(bytes), { width: info.width, height: info.height });
        const decoded = await codecs.decode(bytes);
        assert.deepEqual([decoded.width, decoded.height], [info.width, info.height]);
        assert.deepEqual(corners(decoded), corners({ width: info.width, height: info.height, data }, info.channels));
      });
    }
  }

  it('reads the first Exif segment, whether an XMP segment comes before or after it', async () => {
    const tagged = await sharp(await quarters()).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const xmpBody = Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x="adobe:ns:meta/"/>');
    const xmp = Buffer.concat([Buffer.from([0xff, 0xe1, (xmpBody.length + 2) >> 8, (xmpBody.length + 2) & 0xff]), xmpBody]);
    // sharp writes the Exif segment first, right after the start of the image.
    const exifLength = tagged.readUInt16BE(4) + 2;
    const after = Buffer.concat([tagged.subarray(0, 2 + exifLength), xmp, tagged.subarray(2 + exifLength)]);
    const before = Buffer.concat([tagged.subarray(0, 2), xmp, tagged.subarray(2)]);
    const { codecs } = localPipeline();
    for (const [what, jpeg] of [['XMP after', after], ['XMP before', before]] as const) {
      assert.equal(imageOrientation(jpeg), 6, what);
      assert.deepEqual(readImageSize(jpeg), { width: 30, height: 60 }, what);
      const decoded = await codecs.decode(jpeg);
      assert.deepEqual([decoded.width, decoded.height], [30, 60], what);
    }
  });

  it('takes a JPEG without Exif, a cut-off Exif block and other formats as upright', async () => {
    const plain = await sharp(await quarters()).jpeg().toBuffer();
    assert.equal(imageOrientation(plain), 1);
    const tagged = await sharp(await quarters()).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    assert.equal(imageOrientation(tagged.subarray(0, 30)), 1);
    assert.equal(imageOrientation(await quarters()), 1);
  });
});
