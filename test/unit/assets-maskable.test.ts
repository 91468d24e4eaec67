import * as assert from 'node:assert/strict';
import { builtinRecipes } from '../../src/common/builtinRecipes';
import { readIco } from '../../src/common/ico';
import { maskableSafeRadius } from '../../src/common/imageGeometry';
import { parseRecipe } from '../../src/common/recipes';
import { outputSpecOf, runOutputs } from '../../src/extension/assets/outputs';
import { blank, edgeColour, type RgbaImage } from '../../src/extension/assets/rgba';
import { localPipeline } from '../support/wasm';

const pixel = (image: RgbaImage, x: number, y: number): number[] => [...image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4)];

/** A full-bleed blue icon with a yellow square in the middle. */
function blueIcon(size: number): RgbaImage {
  const image = blank({ width: size, height: size }, [20, 60, 200, 255]);
  for (let y = size / 4; y < (3 * size) / 4; y++) {
    for (let x = size / 4; x < (3 * size) / 4; x++) image.data.set([250, 210, 0, 255], (y * size + x) * 4);
  }
  return image;
}

describe('Maskable icons', () => {
  const { codecs, resizer } = localPipeline();
  const favicon = parseRecipe(builtinRecipes.find((recipe) => recipe.id === 'favicon-set')).recipe!;
  const maskable = favicon.outputs.filter((output) => output.purpose === 'maskable');

  it('pads the favicon set\'s maskable icons with the colour of a full-bleed source\'s edge, not a white frame', async () => {
    assert.equal(maskable.length, 2);
    const results = await runOutputs(codecs, resizer, blueIcon(256), maskable.map(outputSpecOf));
    for (const result of results) {
      const image = await codecs.decode(result.bytes);
      const size = image.width;
      for (const [x, y] of [[0, 0], [size - 1, 0], [Math.round(size / 2), 2], [2, size - 1]]) {
        const [red, green, blue, alpha] = pixel(image, x!, y!);
        assert.ok(blue! >= 190 && red! <= 30 && green! <= 70 && alpha === 255, `padding at ${x},${y} of ${size} px is ${[red, green, blue, alpha].join(',')}`);
      }
      // The subject is still there, and its square (a quarter of the source each way from the centre) lies inside the safe circle.
      assert.deepEqual(pixel(image, size / 2, size / 2).slice(0, 3), [250, 210, 0]);
      const reach = size * 0.275 * 0.5;
      assert.ok(Math.hypot(reach, reach) <= maskableSafeRadius * size);
      assert.deepEqual(pixel(image, Math.round(size / 2 + reach) - 4, Math.round(size / 2 + reach) - 4).slice(0, 3), [250, 210, 0]);
    }
  });

  it('pads with the recipe\'s background when it names one', async () => {
    const [result] = await runOutputs(codecs, resizer, blueIcon(64), [outputSpecOf({ ...maskable[0]!, background: '#ff0000' })]);
    const image = await codecs.decode(result!.bytes);
    assert.deepEqual(pixel(image, 0, 0), [255, 0, 0, 255]);
  });

  it('pads the app icon set\'s adaptive foregrounds with the source\'s edge, the source filling the 72 dp the launcher shows', async () => {
    const icons = parseRecipe(builtinRecipes.find((recipe) => recipe.id === 'app-icon-set')).recipe!;
    const foregrounds = icons.outputs.filter((output) => output.file.endsWith('ic_launcher_foreground.png'));
    assert.deepEqual(foregrounds.map((output) => output.width), [108, 162, 216, 324, 432]);
    const results = await runOutputs(codecs, resizer, blueIcon(512), foregrounds.map(outputSpecOf));
    for (const result of results) {
      const image = await codecs.decode(result.bytes);
      const size = image.width;
      const dp = size / 108;
      // Outside the source (18 dp from each side): its edge colour, opaque, shown only while the launcher moves the layer.
      for (const [x, y] of [[0, 0], [size - 1, size - 1], [Math.round(17 * dp), Math.round(size / 2)]]) {
        const [red, green, blue, alpha] = pixel(image, x!, y!);
        assert.ok(blue! >= 190 && red! <= 30 && green! <= 70 && alpha === 255, `padding at ${x},${y} of ${size} px is ${[red, green, blue, alpha].join(',')}`);
      }
      // The source spans the 72 dp shown; its yellow middle half (36 dp) lies inside the 66 dp safe zone.
      assert.deepEqual(pixel(image, Math.round(19 * dp), Math.round(size / 2)).slice(0, 3), [20, 60, 200]);
      assert.deepEqual(pixel(image, size / 2, size / 2).slice(0, 3), [250, 210, 0]);
      assert.deepEqual(pixel(image, Math.round(size / 2 + 12 * dp), Math.round(size / 2 - 12 * dp)).slice(0, 3), [250, 210, 0]);
    }
  });

  it('makes the app icon set\'s round legacy icons round and its legacy icons lossless, from the recipe\'s own outputs', async () => {
    const icons = parseRecipe(builtinRecipes.find((recipe) => recipe.id === 'app-icon-set')).recipe!;
    const legacy = icons.outputs.filter((output) => /mipmap-xhdpi\/ic_launcher(_round)?\.webp$/.test(output.file));
    assert.equal(legacy.length, 2);
    const [square, round] = await runOutputs(codecs, resizer, blueIcon(256), legacy.map(outputSpecOf));
    for (const result of [square!, round!]) assert.ok(new TextDecoder('latin1').decode(result.bytes).includes('VP8L'), 'lossless WebP');
    const [squareImage, roundImage] = [await codecs.decode(square!.bytes), await codecs.decode(round!.bytes)];
    assert.deepEqual(pixel(squareImage, 0, 0), [20, 60, 200, 255]);
    assert.equal(pixel(roundImage, 0, 0)[3], 0, 'transparent outside the circle');
    assert.equal(pixel(roundImage, 95, 95)[3], 0);
    assert.deepEqual(pixel(roundImage, 48, 2), [20, 60, 200, 255]);
    assert.deepEqual(pixel(roundImage, 48, 48).slice(0, 3), [250, 210, 0]);
  });

  it('cuts a maskable icon to a circle without filling it back in with its edge colour, and cuts the entries of an ICO', async () => {
    const [cut, ico] = await runOutputs(codecs, resizer, blueIcon(128), [
      outputSpecOf({ ...maskable[0]!, width: 64, height: 64, mask: 'circle' }),
      outputSpecOf({ file: 'round.ico', width: 32, height: 32, fit: 'cover', format: 'ico', sizes: [32, 16], mask: 'circle' }),
    ]);
    const image = await codecs.decode(cut!.bytes);
    assert.equal(pixel(image, 0, 0)[3], 0);
    assert.deepEqual(pixel(image, 32, 1).slice(0, 3), [20, 60, 200]);
    for (const entry of readIco(ico!.bytes)) {
      const decoded = await codecs.decode(entry.png);
      assert.equal(pixel(decoded, 0, 0)[3], 0, `${entry.width} px entry`);
      assert.equal(pixel(decoded, entry.width / 2, entry.width / 2)[3], 255);
    }
  });

  it('takes the edge colour as the alpha-weighted mean of the border, and white for a see-through border', () => {
    const half = blank({ width: 4, height: 4 }, [0, 0, 0, 0]);
    for (let x = 0; x < 4; x++) half.data.set([0, 128, 0, 255], x * 4);
    for (let y = 1; y < 4; y++) half.data.set([0, 128, 0, 255], (y * 4) * 4);
    assert.deepEqual(edgeColour(half), [0, 128, 0, 255]);
    assert.deepEqual(edgeColour(blank({ width: 8, height: 8 })), [255, 255, 255, 255]);
  });
});
