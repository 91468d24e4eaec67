import * as assert from 'node:assert/strict';
import { containBox, coverCrop, halvedSize, halvings, maskablePadding, maskableSafeRadius, planResize, scaleRect, worstCoverCut } from '../../src/common/imageGeometry';
import { builtinRecipes } from '../../src/common/builtinRecipes';
import { parseRecipe } from '../../src/common/recipes';

describe('Image geometry', () => {
  it('crops a square to a wide card around the centre by default', () => {
    assert.deepEqual(coverCrop({ width: 4096, height: 4096 }, { width: 1200, height: 630 }), { x: 0, y: 973, width: 4096, height: 2150 });
  });

  it('moves a cover crop towards the focal point, but never past the edges', () => {
    const source = { width: 1000, height: 1000 };
    const target = { width: 200, height: 100 };
    assert.deepEqual(coverCrop(source, target, { x: 0.5, y: 0.2 }), { x: 0, y: 0, width: 1000, height: 500 });
    assert.deepEqual(coverCrop(source, target, { x: 0.5, y: 0.6 }), { x: 0, y: 350, width: 1000, height: 500 });
    assert.deepEqual(coverCrop(source, target, { x: 0.5, y: 1 }), { x: 0, y: 500, width: 1000, height: 500 });
    assert.deepEqual(coverCrop({ width: 2000, height: 500 }, { width: 100, height: 100 }, { x: 0.9, y: 0.5 }), { x: 1500, y: 0, width: 500, height: 500 });
  });

  it('contains a wide source in a square, centred, with bars above and below', () => {
    assert.deepEqual(containBox({ width: 400, height: 200 }, { width: 100, height: 100 }), { x: 0, y: 25, width: 100, height: 50 });
  });

  it('puts the whole of a square source of a maskable icon, corners too, inside the safe circle of radius 40%', () => {
    const plan = planResize({ width: 1024, height: 1024 }, { width: 512, height: 512, fit: 'contain', padding: maskablePadding });
    assert.deepEqual(plan.canvas, { width: 512, height: 512 });
    assert.deepEqual(plan.crop, { x: 0, y: 0, width: 1024, height: 1024 });
    for (const size of [48, 96, 144, 192, 512, 1024]) {
      const { place } = planResize({ width: 1024, height: 1024 }, { width: size, height: size, fit: 'cover', padding: maskablePadding });
      const radius = maskableSafeRadius * size;
      const corners = [[place.x, place.y], [place.x + place.width, place.y], [place.x, place.y + place.height], [place.x + place.width, place.y + place.height]];
      for (const [x, y] of corners) assert.ok(Math.hypot(x! - size / 2, y! - size / 2) <= radius, `corner ${x},${y} of ${size} px lies outside the safe circle`);
      // Not smaller than it needs to be: the subject still fills most of the circle.
      assert.ok(place.width >= 0.54 * size, `${place.width} of ${size}`);
    }
  });

  it('plans cover with padding as a crop of the padded area, and fill as the whole source', () => {
    const cover = planResize({ width: 300, height: 100 }, { width: 100, height: 100, fit: 'cover', padding: 0.1 });
    assert.deepEqual(cover.place, { x: 10, y: 10, width: 80, height: 80 });
    assert.deepEqual(cover.crop, { x: 100, y: 0, width: 100, height: 100 });
    const fill = planResize({ width: 300, height: 100 }, { width: 50, height: 70, fit: 'fill' });
    assert.deepEqual(fill, { crop: { x: 0, y: 0, width: 300, height: 100 }, canvas: { width: 50, height: 70 }, place: { x: 0, y: 0, width: 50, height: 70 } });
  });

  it('halves the source only while the last step keeps at least twice the output', () => {
    assert.equal(halvings({ width: 4096, height: 4096 }, { width: 16, height: 16 }), 7);
    assert.equal(halvings({ width: 4096, height: 4096 }, { width: 1920, height: 1920 }), 0);
    assert.equal(halvings({ width: 4096, height: 4096 }, { width: 1024, height: 1024 }), 1);
    assert.equal(halvings({ width: 4096, height: 2150 }, { width: 1200, height: 630 }), 0);
    assert.deepEqual(halvedSize({ width: 4097, height: 3 }, 2), { width: 1025, height: 1 });
  });

  it('maps a crop onto a halved copy, staying inside it', () => {
    assert.deepEqual(scaleRect({ x: 0, y: 973, width: 4096, height: 2150 }, { width: 4096, height: 4096 }, { width: 1024, height: 1024 }), { x: 0, y: 243, width: 1024, height: 538 });
    const edge = scaleRect({ x: 999, y: 999, width: 1, height: 1 }, { width: 1000, height: 1000 }, { width: 10, height: 10 });
    assert.ok(edge.x + edge.width <= 10 && edge.y + edge.height <= 10 && edge.width >= 1);
  });
});

describe('Image geometry: what a crop cuts from a source of another shape', () => {
  const outputsOf = (id: string) => parseRecipe(builtinRecipes.find((input) => input.id === id)).recipe!.outputs;

  it('finds that a 2000x500 logo made into the favicon set keeps only its middle 500x500, three quarters cut off', () => {
    const cut = worstCoverCut({ width: 2000, height: 500 }, outputsOf('favicon-set'));
    assert.ok(cut);
    assert.deepEqual(cut.crop, { width: 500, height: 500 });
    assert.equal(cut.target.width, cut.target.height);
    assert.equal(Math.round(cut.cut * 100), 75);
  });

  it('says nothing for a source whose shape is within 10 % of every cropped output', () => {
    assert.equal(worstCoverCut({ width: 1024, height: 1024 }, outputsOf('favicon-set')), undefined);
    assert.equal(worstCoverCut({ width: 1080, height: 1000 }, outputsOf('favicon-set')), undefined);
    assert.equal(worstCoverCut({ width: 1920, height: 1000 }, outputsOf('open-graph-card')), undefined);
    assert.equal(worstCoverCut({ width: 1600, height: 900 }, outputsOf('responsive-image')), undefined);
  });

  it('names the output that cuts the most, and leaves out outputs that show the whole source', () => {
    const square = { width: 1000, height: 1000 };
    const cut = worstCoverCut(square, [
      { width: 1200, height: 630, fit: 'cover' },
      { width: 1600, height: 400, fit: 'cover' },
      { width: 1600, height: 400, fit: 'contain' },
    ]);
    assert.deepEqual(cut, { target: { width: 1600, height: 400 }, crop: { width: 1000, height: 250 }, cut: 0.75 });
    assert.equal(worstCoverCut(square, [{ width: 1600, height: 400, fit: 'contain' }, { width: 1600, height: 400, fit: 'fill' }]), undefined);
    assert.ok(worstCoverCut({ width: 1000, height: 1150 }, [{ width: 100, height: 100, fit: 'cover' }]), 'more than 10 % off');
  });
});
