import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import * as vscode from 'vscode';
import { readIco } from '../../src/common/ico';
import { sniffImageFormat } from '../../src/common/imageType';
import type { Recipe } from '../../src/common/recipes';
import type { RecipeRun } from '../../src/extension/assets/recipeRunner';

/*
 * Checks of the files a recipe wrote, from their bytes: what Export As… and Generate Asset… both
 * promise.
 */

/** The format a file's bytes say it is (an ICO's header is checked here, the others by their magic numbers). */
export function formatOf(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 1 && bytes[3] === 0) return 'ico';
  const image = sniffImageFormat(bytes);
  if (image) return image;
  return new TextDecoder().decode(bytes.subarray(4, 12)) === 'ftypavif' ? 'avif' : undefined;
}

/** Checks that each output of a run is the format and size its recipe says, from its bytes. */
export async function checkOutputs(of: Recipe, run: RecipeRun): Promise<void> {
  for (const [index, output] of of.outputs.entries()) {
    const file = run.files[index]!;
    const bytes = await vscode.workspace.fs.readFile(file.uri);
    assert.equal(formatOf(bytes), output.format, `${file.uri.path} is ${output.format}`);
    if (output.format === 'ico') {
      const entries = readIco(bytes);
      assert.deepEqual(entries.map((entry) => [entry.width, entry.height]), output.sizes!.map((size) => [size, size]));
      for (const entry of entries) {
        assert.equal(sniffImageFormat(entry.png), 'png', 'each ICO entry is a PNG');
        const meta = await sharp(entry.png).metadata();
        assert.deepEqual([meta.width, meta.height], [entry.width, entry.height], 'the entry holds the size its directory says');
      }
    } else {
      // A lossless WebP holds a VP8L bitstream, a lossy one VP8 (alpha or not).
      if (output.format === 'webp') assert.equal(new TextDecoder('latin1').decode(bytes).includes('VP8L'), output.lossless === true, `${file.uri.path} is ${output.lossless ? 'lossless' : 'lossy'}`);
      const meta = await sharp(bytes).metadata();
      assert.deepEqual([meta.width, meta.height], [output.width, output.height], `${file.uri.path} is ${output.width}x${output.height}`);
    }
  }
}
