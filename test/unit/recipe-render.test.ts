import * as assert from 'node:assert/strict';
import { builtinRecipes } from '../../src/common/builtinRecipes';
import { parsePresetText } from '../../src/common/presetFile';
import { layoutOf, siteUrlOf } from '../../src/common/projectLayout';
import { escapeFor, exportPlaceholders, fillPattern, followRenamedFiles, generatePlaceholders, assetStem, hrefOf, mainSnippet, planRun, recipeRequest, renderSnippets, runFolderPath, servedPublicPath, snippetTextFor, htmlToJsx, usesSiteUrl, type WrittenOutput } from '../../src/common/recipeRender';
import { parseRecipe, type Recipe } from '../../src/common/recipes';

const recipe = (id: string): Recipe => parseRecipe(builtinRecipes.find((input) => input.id === id)).recipe!;

/** The outputs as a run with these values on `logo.png` writes them, at their own sizes. */
function written(of: Recipe, values: Record<string, string> = {}): WrittenOutput[] {
  const plan = planRun(of, values, 'logo');
  return of.outputs.map((output, index) => ({ output, file: plan.outputs[index]!, width: output.width, height: output.height }));
}

describe('Recipe snippets and file plans', () => {
  it('fills the favicon set head tags and its web manifest, icons joined by commas', () => {
    const favicon = recipe('favicon-set');
    const [head, manifest] = renderSnippets(favicon, written(favicon), { appName: 'My App' }, '/');
    assert.equal(
      head!.text,
      '<link rel="shortcut icon" href="/favicon.ico" />\n<link rel="icon" type="image/png" href="/favicon-96x96.png" sizes="96x96" />\n<link rel="apple-touch-icon" sizes="180x180" href="/apple-touch-icon.png" />\n<meta name="apple-mobile-web-app-title" content="My App" />\n<link rel="manifest" href="/site.webmanifest" />\n',
    );
    assert.equal(manifest!.file, 'site.webmanifest');
    const parsed = JSON.parse(manifest!.text) as { name: string; icons: { src: string; sizes: string; type: string; purpose: string }[] };
    assert.equal(parsed.name, 'My App');
    assert.deepEqual(parsed.icons.map((icon) => `${icon.src} ${icon.sizes} ${icon.type} ${icon.purpose}`), [
      '/web-app-manifest-192x192.png 192x192 image/png any',
      '/web-app-manifest-512x512.png 512x512 image/png any',
      '/web-app-manifest-maskable-192x192.png 192x192 image/png maskable',
      '/web-app-manifest-maskable-512x512.png 512x512 image/png maskable',
    ]);
    assert.equal(mainSnippet([manifest!, head!])?.id, 'head');
  });

  it('points the head tags at a manifest kept under a new name', () => {
    const favicon = recipe('favicon-set');
    const rendered = renderSnippets(favicon, written(favicon), { appName: 'A' }, '/', [undefined, 'site-2.webmanifest']);
    const [head, manifest] = followRenamedFiles(rendered, '/', [undefined, 'site.webmanifest'], [undefined, 'site-2.webmanifest']);
    assert.match(head!.text, /<link rel="manifest" href="\/site-2\.webmanifest" \/>/);
    assert.equal(manifest!.file, 'site-2.webmanifest');
    assert.deepEqual(followRenamedFiles(rendered, '/', [undefined, 'site.webmanifest'], [undefined, 'site.webmanifest']), rendered);
  });

  it('fills the Open Graph tags with the JPEG named after the source, escaping the title', () => {
    const card = recipe('open-graph-card');
    const [meta] = renderSnippets(card, written(card, { title: 'Tom & "Jerry" <3' }), { title: 'Tom & "Jerry" <3' }, '/og/');
    assert.match(meta!.text, /<meta property="og:title" content="Tom &amp; &quot;Jerry&quot; &lt;3" \/>/);
    assert.match(meta!.text, /<meta property="og:image" content="\/og\/logo\.jpg" \/>\n<meta property="og:image:type" content="image\/jpeg" \/>\n<meta property="og:image:width" content="1200" \/>/);
  });

  it('joins the srcset of the responsive image with commas and keeps the fallback on its own line', () => {
    const responsive = recipe('responsive-image');
    const [picture] = renderSnippets(responsive, written(responsive), { alt: 'A red fox' }, '/images/');
    assert.equal(
      picture!.text,
      '<picture>\n  <source type="image/webp" srcset="/images/logo-640.webp 640w, /images/logo-1280.webp 1280w, /images/logo-1920.webp 1920w" sizes="100vw" />\n  <img src="/images/logo-1280.jpg" width="1280" height="720" alt="A red fox" loading="lazy" decoding="async" />\n</picture>\n',
    );
  });

  it('writes the texture CSS with the small WebP first and the PNG as fallback, one tile size for both', () => {
    const texture = recipe('seamless-texture');
    assert.equal(
      renderSnippets(texture, written(texture), {}, '/textures/')[0]!.text,
      'background-image: url("/textures/logo.png");\nbackground-image: image-set(url("/textures/logo-512.webp") type("image/webp"), url("/textures/logo.png") type("image/png"));\nbackground-size: 512px 512px;\nbackground-repeat: repeat;\n',
    );
  });

  it('lays the app icon set out as Xcode and Android Studio keep it: an AppIcon set whose Contents.json fills every slot, and a res folder', () => {
    const icons = recipe('app-icon-set');
    const plan = planRun(icons, {}, 'logo');
    assert.equal(plan.folder, 'icons/logo');
    const files = written(icons);
    const [xcode, adaptive, round] = renderSnippets(icons, files, {}, '/');
    // Contents.json names each file by its name alone, at the pixels its slot needs.
    assert.equal(xcode!.file, 'ios/AppIcon.appiconset/Contents.json');
    const contents = JSON.parse(xcode!.text) as { images: { filename: string; idiom: string; scale: string; size: string }[]; info: { version: number } };
    assert.equal(contents.info.version, 1);
    const slots = contents.images.map((image) => `${image.idiom} ${image.size} ${image.scale}`).sort();
    const expected = [
      ['iphone', 20, [2, 3]], ['iphone', 29, [2, 3]], ['iphone', 40, [2, 3]], ['iphone', 60, [2, 3]],
      ['ipad', 20, [1, 2]], ['ipad', 29, [1, 2]], ['ipad', 40, [1, 2]], ['ipad', 76, [1, 2]], ['ipad', 83.5, [2]], ['ios-marketing', 1024, [1]],
    ] as const;
    assert.deepEqual(slots, expected.flatMap(([idiom, points, scales]) => scales.map((scale) => `${idiom} ${points}x${points} ${scale}x`)).sort());
    for (const image of contents.images) {
      const file = files.find((candidate) => candidate.file === `ios/AppIcon.appiconset/${image.filename}`);
      assert.ok(file, image.filename);
      assert.equal(file.width, parseFloat(image.size) * parseInt(image.scale, 10), `${image.filename} for ${image.idiom} ${image.size} @${image.scale}`);
      assert.equal(file.output.background, '#ffffff', 'opaque, as App Store Connect requires');
    }
    // Android: the adaptive icon's XML for icon and roundIcon, its foreground in every density, legacy icons as lossless WebP.
    assert.equal(adaptive!.file, 'android/res/mipmap-anydpi-v26/ic_launcher.xml');
    assert.equal(round!.file, 'android/res/mipmap-anydpi-v26/ic_launcher_round.xml');
    assert.equal(
      adaptive!.text,
      '<?xml version="1.0" encoding="utf-8"?>\n<adaptive-icon xmlns:android="http://schemas.android.com/apk/res/android">\n    <background android:drawable="@android:color/white" />\n    <foreground android:drawable="@mipmap/ic_launcher_foreground" />\n</adaptive-icon>\n',
    );
    assert.equal(round!.text, adaptive!.text);
    const densities = { mdpi: 1, hdpi: 1.5, xhdpi: 2, xxhdpi: 3, xxxhdpi: 4 };
    for (const [density, scale] of Object.entries(densities)) {
      const legacy = files.find((file) => file.file === `android/res/mipmap-${density}/ic_launcher.webp`);
      assert.equal(legacy?.width, 48 * scale, density);
      assert.equal(legacy.output.lossless, true);
      const round = files.find((file) => file.file === `android/res/mipmap-${density}/ic_launcher_round.webp`);
      assert.equal(round?.width, 48 * scale, density);
      assert.equal(round.output.mask, 'circle');
      const foreground = files.find((file) => file.file === `android/res/mipmap-${density}/ic_launcher_foreground.png`);
      assert.equal(foreground?.width, 108 * scale, density);
      assert.equal(foreground.output.purpose, 'maskable');
    }
    assert.equal(files.find((file) => file.file === 'android/ic_launcher-playstore.png')?.width, 512);
    assert.equal(mainSnippet(renderSnippets(icons, files, {}, '/')), undefined, 'nothing to insert into a page');
  });

  it('URL-encodes each path segment of an href, and escapes values for JSON, CSS and Markdown', () => {
    assert.equal(hrefOf('/img/', 'my logo/ä#1.png'), '/img/my%20logo/%C3%A4%231.png');
    assert.equal(hrefOf('/img', 'a.png'), '/img/a.png');
    assert.equal(escapeFor('json', 'say "hi"\n'), 'say \\"hi\\"\\n');
    assert.equal(escapeFor('css', 'a"b\\c'), 'a\\"b\\\\c');
    assert.equal(escapeFor('markdown', 'a [b](c)'), 'a \\[b\\]\\(c\\)');
    assert.equal(escapeFor('html', `it's`), 'it&#39;s');
  });

  it('expands a value once: a value that looks like a placeholder stays as typed', () => {
    assert.equal(fillPattern('{a} {b} {c}', { a: '{b}', b: 'x' }), '{b} x {c}');
    const favicon = recipe('favicon-set');
    const [head] = renderSnippets(favicon, written(favicon), { appName: '{href}' }, '/');
    assert.match(head!.text, /content="\{href\}"/);
  });

  it('asks only for the placeholders the files and snippets use, never the prompt-only ones', () => {
    assert.deepEqual(exportPlaceholders(recipe('favicon-set')), ['appName']);
    assert.deepEqual(exportPlaceholders(recipe('open-graph-card')), ['title']);
    assert.deepEqual(exportPlaceholders(recipe('responsive-image')), ['alt']);
    assert.deepEqual(exportPlaceholders(recipe('seamless-texture')), []);
    assert.deepEqual(exportPlaceholders(recipe('app-icon-set')), []);
  });

  it('asks a generating run for the placeholders of the prompt and of the files, each once, in the order declared', () => {
    assert.deepEqual(generatePlaceholders(recipe('favicon-set')), ['subject', 'background', 'appName']);
    assert.deepEqual(generatePlaceholders(recipe('open-graph-card')), ['title', 'about']);
    assert.deepEqual(generatePlaceholders(recipe('responsive-image')), ['subject', 'alt']);
    assert.deepEqual(generatePlaceholders(recipe('seamless-texture')), ['material']);
    const unused = parseRecipe({ ...builtinRecipes.find((input) => input.id === 'seamless-texture'), prompt: { template: '{material}', placeholders: { note: { label: 'Unused' }, material: { label: 'M' } } } }).recipe!;
    assert.deepEqual(generatePlaceholders(unused), ['material'], 'a placeholder nothing uses is not asked');
  });

  it('names generated files after the subject, or after the prompt when the subject is empty', () => {
    assert.equal(planRun(recipe('open-graph-card'), { title: 'The Fox', about: 'x' }, assetStem(recipe('open-graph-card'), { title: 'The Fox', about: 'x' })).outputs[0], 'the-fox.jpg');
    assert.equal(assetStem(recipe('seamless-texture'), { material: '  ' }), recipe('seamless-texture').prompt.template.replace('{material}', '  '));
  });

  it('makes one image with the model, size and options of the recipe, the prompt filled in', () => {
    assert.deepEqual(recipeRequest(recipe('favicon-set'), { subject: 'a fox', background: 'white' }), {
      model: 'gpt-4o-image',
      prompt: 'A simple, bold icon of a fox. Flat shapes, one centred subject filling most of the frame, no text, plain white background, strong contrast so that it reads at 16 pixels.',
      n: 1,
      size: '1024x1024',
    });
    const preset = parseRecipe({ ...builtinRecipes.find((input) => input.id === 'responsive-image'), model: { id: 'gpt-image-1.5-lite', options: { size: '3:2', n: 4, quality: 'low' } } }).recipe!;
    assert.deepEqual(recipeRequest(preset, { subject: 'dunes' }), { model: 'gpt-image-1.5-lite', prompt: 'dunes', n: 1, size: '3:2', quality: 'low' });
  });

  it('names the files after the source stem when the naming pattern needs the prompt', () => {
    const plan = planRun(recipe('responsive-image'), {}, 'Hero Shot');
    assert.equal(plan.name, 'hero-shot');
    assert.deepEqual(plan.outputs, ['hero-shot-640.webp', 'hero-shot-1280.webp', 'hero-shot-1920.webp', 'hero-shot-1280.jpg']);
    assert.equal(plan.folder, 'public/images');
    assert.equal(planRun(recipe('favicon-set'), {}, 'logo').name, 'favicon');
  });

  it('puts the responsive image and the texture in the folder a Next.js app serves, their tags naming them from its root', () => {
    const next = layoutOf('next', '/ws/apps/web');
    for (const [id, sub] of [['responsive-image', 'images'], ['seamless-texture', 'textures']] as const) {
      const of = recipe(id);
      const folder = runFolderPath(planRun(of, {}, 'hero').folder, '/ws', next.servedFolder);
      assert.equal(folder, `/ws/apps/web/public/${sub}`);
      const publicPath = servedPublicPath(folder, next.servedFolder);
      assert.equal(publicPath, `/${sub}/`);
      assert.equal(publicPath, of.output.publicPath, 'the same as the recipe says where no project is known');
      const text = renderSnippets(of, written(of), { alt: 'A fox' }, publicPath)[0]!.text;
      assert.match(text, new RegExp(`"/${sub}/logo-[0-9]+\\.webp`));
    }
    // SvelteKit serves static/; without a known project, public/ of the workspace folder.
    assert.equal(runFolderPath('public/textures', '/ws', layoutOf('sveltekit', '/ws').servedFolder), '/ws/static/textures');
    assert.equal(runFolderPath('public/images', '/ws/', undefined), '/ws/public/images');
    assert.equal(runFolderPath('icons', '/ws', '/ws/public'), '/ws/icons', 'an app icon set is no site content');
    assert.equal(servedPublicPath('/ws/images', '/ws/public'), undefined);
    assert.equal(servedPublicPath('/ws/public', '/ws/public/'), '/');
  });

  it('writes the Open Graph image as an absolute URL when the site\'s address is known, else leaves it root-relative', () => {
    const card = recipe('open-graph-card');
    assert.equal(usesSiteUrl(card), true);
    assert.equal(usesSiteUrl(recipe('favicon-set')), false);
    const [absolute] = renderSnippets(card, written(card), { title: 'T', siteUrl: 'https://fox.example/blog' }, '/og/');
    assert.match(absolute!.text, /<meta property="og:image" content="https:\/\/fox\.example\/blog\/og\/logo\.jpg" \/>/);
    assert.match(absolute!.text, /<meta name="twitter:image" content="https:\/\/fox\.example\/blog\/og\/logo\.jpg" \/>/);
    const [relative] = renderSnippets(card, written(card), { title: 'T' }, '/og/');
    assert.match(relative!.text, /<meta property="og:image" content="\/og\/logo\.jpg" \/>/);
  });

  it('reads the site\'s address from package.json "homepage", but not a repository\'s page', () => {
    assert.equal(siteUrlOf('{ "homepage": "https://fox.example/" }'), 'https://fox.example');
    assert.equal(siteUrlOf('{ "homepage": "https://me.github.io/app" }'), 'https://me.github.io/app');
    assert.equal(siteUrlOf('{ "homepage": "https://github.com/me/app#readme" }'), undefined);
    assert.equal(siteUrlOf('{ "homepage": "." }'), undefined, 'CRA\'s relative homepage');
    assert.equal(siteUrlOf('{ "homepage": "javascript:alert(1)" }'), undefined);
    assert.equal(siteUrlOf('{ "name": "x" }'), undefined);
    assert.equal(siteUrlOf('not json'), undefined);
  });
});

describe('Recipe preset files', () => {
  const text = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  const favicon = (): Record<string, unknown> => structuredClone(builtinRecipes[0]) as unknown as Record<string, unknown>;

  it('reads a valid preset', () => {
    assert.equal(parsePresetText(text(favicon())).recipe?.id, 'favicon-set');
  });

  it('names the field of a wrong value and points at that value in the text', () => {
    const broken = favicon() as { outputs: { width: unknown }[] };
    broken.outputs[1]!.width = 'ninety-six';
    const source = text(broken);
    const { problems } = parsePresetText(source);
    assert.deepEqual(problems.map((problem) => problem.path), ['outputs.1.width']);
    assert.equal(source.slice(problems[0]!.offset, problems[0]!.offset + problems[0]!.length), '"ninety-six"');
  });

  it('points at the key of the object that misses a field', () => {
    const broken = favicon() as { outputs: { sizes?: unknown }[] };
    delete broken.outputs[0]!.sizes;
    const source = text(broken);
    const { problems } = parsePresetText(source);
    assert.deepEqual(problems.map((problem) => problem.path), ['outputs.0.sizes']);
    assert.equal(source.slice(problems[0]!.offset, problems[0]!.offset + problems[0]!.length).startsWith('{'), true);
    const missingName = favicon();
    delete missingName.name;
    const second = parsePresetText(text(missingName));
    assert.deepEqual(second.problems.map((problem) => [problem.path, problem.offset]), [['name', 0]]);
  });

  it('names a syntax error with its place, and an empty file', () => {
    const { problems } = parsePresetText('{ "id": "x", }');
    assert.equal(problems[0]!.path, '');
    assert.match(problems[0]!.message, /Not valid JSON/);
    assert.equal(problems[0]!.offset, 13);
    assert.match(parsePresetText('').problems[0]!.message, /empty|Not valid JSON/);
  });
});

describe('Recipe snippets inserted into JSX', () => {
  it('writes the responsive <picture> with srcSet when it goes into a TSX or JSX file', () => {
    const responsive = recipe('responsive-image');
    const [picture] = renderSnippets(responsive, written(responsive), { alt: 'A red fox' }, '/images/');
    for (const language of ['typescriptreact', 'javascriptreact', 'mdx']) {
      assert.equal(
        snippetTextFor(picture!, language),
        '<picture>\n  <source type="image/webp" srcSet="/images/logo-640.webp 640w, /images/logo-1280.webp 1280w, /images/logo-1920.webp 1920w" sizes="100vw" />\n  <img src="/images/logo-1280.jpg" width="1280" height="720" alt="A red fox" loading="lazy" decoding="async" />\n</picture>\n',
        language,
      );
    }
  });

  it('leaves the tags as HTML for HTML, Vue, Svelte and Astro, and leaves snippets of other languages alone', () => {
    const responsive = recipe('responsive-image');
    const [picture] = renderSnippets(responsive, written(responsive), { alt: 'A red fox' }, '/images/');
    for (const language of ['html', 'vue', 'svelte', 'astro', 'php']) assert.equal(snippetTextFor(picture!, language), picture!.text, language);
    const css = { language: 'css' as const, text: 'background: url("{a}");\n' };
    assert.equal(snippetTextFor(css, 'typescriptreact'), css.text);
  });

  it('keeps the favicon and Open Graph tags valid JSX as they are (already self-closed, no renamed attribute)', () => {
    const favicon = recipe('favicon-set');
    const [head] = renderSnippets(favicon, written(favicon), { appName: 'Fox & "Friends"' }, '/');
    assert.equal(snippetTextFor(head!, 'typescriptreact'), head!.text);
  });

  it('renames class, for, crossorigin and the other HTML spellings React does not take, and keeps data- and aria- attributes', () => {
    assert.equal(
      htmlToJsx('<link rel="preload" as="image" imagesrcset="/a.webp 1x" imagesizes="100vw" crossorigin="anonymous" fetchpriority="high" referrerpolicy="no-referrer">'),
      '<link rel="preload" as="image" imageSrcSet="/a.webp 1x" imageSizes="100vw" crossOrigin="anonymous" fetchPriority="high" referrerPolicy="no-referrer" />',
    );
    assert.equal(htmlToJsx('<label class="x" for=name data-id="1" aria-label="A">Name</label>'), '<label className="x" htmlFor="name" data-id="1" aria-label="A">Name</label>');
    assert.equal(htmlToJsx('<meta http-equiv="refresh" charset="utf-8">'), '<meta httpEquiv="refresh" charSet="utf-8" />');
  });

  it('closes void elements, writes comments as JSX comments and keeps braces in text literal', () => {
    assert.equal(htmlToJsx('<img src="a.png" alt="a > b"><br>'), '<img src="a.png" alt="a > b" /><br />');
    assert.equal(htmlToJsx('<div/>'), '<div />');
    assert.equal(htmlToJsx('<!-- icons -->\n<p>{x}</p>'), '{/* icons */}\n<p>{\'{\'}x{\'}\'}</p>');
  });
});
