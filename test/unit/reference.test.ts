import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dependenciesOf, detectFramework, layoutOf } from '../../src/common/projectLayout';
import { altText, buildReference, escapeSnippet, syntaxFor, type ReferenceRequest } from '../../src/common/reference';
import { encodeSegment, planComponentImport, planImport, referenceBase, relativeFilePath, relativePath, rootRelativeUrl } from '../../src/common/referencePath';

const fox = { path: '/ws/images/fox.png', width: 640, height: 480 };
const build = (request: Partial<ReferenceRequest> & Pick<ReferenceRequest, 'syntax'>) => buildReference({ variants: [fox], alt: 'A red fox', documentFolder: '/ws/docs', ...request });
const vite = layoutOf('vite', '/ws/app');
const next = layoutOf('next', '/ws/app');

describe('The reference builder: each file type', () => {
  it('writes a Markdown image with the prompt as alt text', () => {
    assert.equal(build({ syntax: 'markdown' }).text, '![A red fox](../images/fox.png)');
  });

  it('writes an HTML <img> with the width and height of the file', () => {
    assert.equal(build({ syntax: 'html' }).text, '<img src="../images/fox.png" alt="A red fox" width="640" height="480">');
  });

  it('leaves width and height out when the size is not known', () => {
    assert.equal(build({ syntax: 'html', variants: [{ path: '/ws/images/fox.png' }] }).text, '<img src="../images/fox.png" alt="A red fox">');
  });

  it('writes a self-closing JSX <img> with numeric sizes', () => {
    assert.equal(build({ syntax: 'jsx' }).text, '<img src="../images/fox.png" alt="A red fox" width={640} height={480} />');
  });

  it('writes a CSS url() with the string quoted and escaped', () => {
    assert.equal(build({ syntax: 'css' }).text, 'url("../images/fox.png")');
    assert.equal(build({ syntax: 'css', variants: [{ path: '/ws/images/a"b\\c.png' }] }).text, 'url("../images/a%22b%5Cc.png")');
  });

  it('writes a quoted URL in a plain script, and the relative path in plain text', () => {
    assert.equal(build({ syntax: 'script' }).text, '"../images/fox.png"');
    assert.equal(build({ syntax: 'plain', variants: [{ path: '/ws/images/my fox.png' }] }).text, '../images/my fox.png');
  });

  it('chooses the syntax from the language id', () => {
    const expected = { markdown: 'markdown', html: 'html', vue: 'html', svelte: 'html', astro: 'html', css: 'css', scss: 'css', less: 'css', javascriptreact: 'jsx', typescriptreact: 'jsx', mdx: 'jsx', javascript: 'script', typescript: 'script', python: 'plain', plaintext: 'plain' };
    for (const [language, syntax] of Object.entries(expected)) assert.equal(syntaxFor(language), syntax, language);
  });

  it('writes a URL as it is when the image is not on the document\'s file system', () => {
    assert.equal(build({ syntax: 'markdown', documentFolder: undefined, variants: [{ path: 'file:///ws/images/fox.png' }] }).text, '![A red fox](file:///ws/images/fox.png)');
  });
});

describe('The reference builder: encoding and escaping', () => {
  it('encodes spaces, #, ?, %, parentheses and non-ASCII letters in a URL, one segment at a time', () => {
    assert.equal(encodeSegment('my fox #1 (final)?100%.png'), 'my%20fox%20%231%20%28final%29%3F100%25.png');
    assert.equal(encodeSegment('狐狸 café.png'), '%E7%8B%90%E7%8B%B8%20caf%C3%A9.png');
    const odd = build({ syntax: 'markdown', variants: [{ path: '/ws/im ages/a (1)#?.png' }] });
    assert.equal(odd.text, '![A red fox](../im%20ages/a%20%281%29%23%3F.png)');
  });

  it('escapes brackets and backslashes in Markdown alt text instead of ending the link', () => {
    assert.equal(build({ syntax: 'markdown', alt: 'A [red] fox \\o/' }).text, '![A \\[red\\] fox \\\\o/](../images/fox.png)');
  });

  it('escapes quotes, ampersands and angle brackets in attributes', () => {
    assert.equal(build({ syntax: 'html', alt: 'Tom & "Jerry" <3' }).text, '<img src="../images/fox.png" alt="Tom &amp; &quot;Jerry&quot; &lt;3" width="640" height="480">');
    assert.equal(build({ syntax: 'jsx', alt: 'say "hi" {now}' }).text, '<img src="../images/fox.png" alt="say &quot;hi&quot; {now}" width={640} height={480} />');
  });

  it('writes braces in Svelte attributes as entities, so that a prompt never becomes a Svelte expression', () => {
    const alt = 'a cat named {name}';
    assert.equal(build({ syntax: 'html', language: 'svelte', alt }).text, '<img src="../images/fox.png" alt="a cat named &#123;name&#125;" width="640" height="480">');
    assert.equal(build({ syntax: 'html', language: 'svelte', alt }).snippet, '<img src="../images/fox.png" alt="${1:a cat named &#123;name&#125;}" width="640" height="480">');
    const set = [{ path: '/ws/images/{a}-640.png', width: 640, height: 480 }, { path: '/ws/images/{a}-1280.png', width: 1280, height: 960 }];
    assert.ok(!/[{}]/.test(build({ syntax: 'html', language: 'svelte', alt, variants: set }).text));
  });

  it('keeps braces as they are in HTML, Vue, Astro and JSX, whose quoted attributes are text', () => {
    for (const language of ['html', 'vue', 'astro']) assert.match(build({ syntax: syntaxFor(language), language, alt: 'a cat named {name}' }).text, /alt="a cat named \{name\}"/, language);
    assert.match(build({ syntax: 'jsx', language: 'typescriptreact', alt: 'a cat named {name}' }).text, /alt="a cat named \{name\}"/);
  });

  it('makes relative paths with forward slashes, ./ when they do not climb', () => {
    assert.equal(relativeFilePath('/ws', '/ws/images/fox.png'), './images/fox.png');
    assert.equal(relativeFilePath('/ws/a/b', '/ws/c/fox.png'), '../../c/fox.png');
    assert.equal(rootRelativeUrl('/ws/app/public', '/ws/app/public/img/my fox.png'), '/img/my%20fox.png');
  });
});

describe('Where references start: the document, an untitled one, another drive or file system', () => {
  const file = (path: string, authority = '') => ({ scheme: 'file', authority, path });
  const untitled = { scheme: 'untitled', authority: '', path: 'Untitled-1' };

  it('starts at the folder of a saved document', () => {
    assert.deepEqual(referenceBase(file('/ws/docs/page.md'), [file('/ws/images/fox.png')], file('/ws')), { folder: '/ws/docs' });
    assert.deepEqual(referenceBase(file('/page.md'), [file('/fox.png')]), { folder: '/' });
  });

  it('starts an untitled document at the workspace folder of the image, never with an absolute URL', () => {
    const base = referenceBase(untitled, [file('/ws/images/fox.png')], file('/ws'));
    assert.deepEqual(base, { folder: '/ws' });
    assert.equal(build({ syntax: 'markdown', documentFolder: '/ws' }).text, '![A red fox](./images/fox.png)');
    assert.equal(build({ syntax: 'html', documentFolder: '/ws', variants: [{ path: '/ws/app/public/logo.png' }], layout: vite }).text, '<img src="/logo.png" alt="A red fox">');
  });

  it('asks to save an untitled document first when the image is in no workspace folder', () => {
    assert.deepEqual(referenceBase(untitled, [file('/home/me/Downloads/fox.png')]), { problem: 'saveFirst', image: 0 });
  });

  it('finds no path to an image on another Windows drive, and one on the same drive written in another case', () => {
    assert.deepEqual(referenceBase(file('/c:/ws/docs/page.md'), [file('/c:/ws/fox.png'), file('/d:/pictures/fox.png')]), { problem: 'otherDrive', image: 1 });
    assert.deepEqual(referenceBase(file('/c:/ws/page.md'), [file('/fox.png')]), { problem: 'otherDrive', image: 0 });
    assert.deepEqual(referenceBase(file('/C:/ws/docs/page.md'), [file('/c:/ws/images/fox.png')]), { folder: '/C:/ws/docs' });
    assert.equal(relativePath('/C:/ws/docs', '/c:/ws/images/fox.png'), '../images/fox.png');
  });

  it('finds no path to an image on another file system: another scheme, remote or share', () => {
    assert.deepEqual(referenceBase(file('/ws/page.md'), [{ scheme: 'vscode-remote', authority: 'ssh-remote+box', path: '/ws/fox.png' }]), { problem: 'otherFileSystem', image: 0 });
    assert.deepEqual(referenceBase(file('/share/page.md', 'server-a'), [file('/share/fox.png', 'server-b')]), { problem: 'otherFileSystem', image: 0 });
    assert.deepEqual(referenceBase(file('/share/page.md', 'Server-A'), [file('/share/img/fox.png', 'server-a')]), { folder: '/share' });
  });
});

describe('Insert Image Reference', () => {
  it('names files in the UI as displayPath does, never with asRelativePath, which answers a machine path outside the workspace', () => {
    const folder = join('src', 'extension', 'ui');
    const users = readdirSync(folder).filter((name) => name.endsWith('.ts') && /\basRelativePath\(/.test(readFileSync(join(folder, name), 'utf8')));
    assert.deepEqual(users, []);
    assert.match(readFileSync(join(folder, 'insertReference.ts'), 'utf8'), /label: displayPath\(item\.uri\)/);
  });
});

describe('The reference builder: alt text as an editable snippet', () => {
  it('makes the alt text the first placeholder', () => {
    assert.equal(build({ syntax: 'markdown' }).snippet, '![${1:A red fox}](../images/fox.png)');
    assert.equal(build({ syntax: 'html' }).snippet, '<img src="../images/fox.png" alt="${1:A red fox}" width="640" height="480">');
  });

  it('escapes $, } and \\ inside and outside the placeholder', () => {
    assert.equal(escapeSnippet('a $b} \\c'), 'a \\$b\\} \\\\c');
    const reference = build({ syntax: 'markdown', alt: 'costs $5 {x} \\', variants: [{ path: '/ws/images/$}.png' }] });
    assert.equal(reference.snippet, '![${1:costs \\$5 {x\\} \\\\\\\\}](../images/%24%7D.png)');
    assert.equal(reference.text, '![costs $5 {x} \\\\](../images/%24%7D.png)');
  });

  it('has an empty placeholder when there is no description', () => {
    assert.equal(build({ syntax: 'markdown', alt: '   ' }).snippet, '![$1](../images/fox.png)');
  });

  it('cuts long alt text at a word, on one line', () => {
    const long = `${'word '.repeat(40)}\nend`;
    const alt = altText(long);
    assert.ok(alt.length <= 120 && alt.endsWith('…') && !alt.includes('\n'), alt);
    assert.ok(!/wor…$/.test(alt), 'not cut inside a word');
    assert.equal(altText('x'.repeat(200)).length, 118);
  });
});

describe('The reference builder: served folders and bundler imports', () => {
  it('refers to an image in public/ from the site root in HTML, Markdown and CSS', () => {
    const image = { path: '/ws/app/public/img/logo.png', width: 10, height: 20 };
    const request = { variants: [image], documentFolder: '/ws/app/src/pages', layout: vite };
    assert.equal(build({ ...request, syntax: 'html' }).text, '<img src="/img/logo.png" alt="A red fox" width="10" height="20">');
    assert.equal(build({ ...request, syntax: 'markdown' }).text, '![A red fox](/img/logo.png)');
    assert.equal(build({ ...request, syntax: 'css' }).text, 'url("/img/logo.png")');
    assert.equal(build({ ...request, syntax: 'jsx' }).imports.length, 0);
  });

  it('refers to an image in public/ relative to a Markdown file that is not the site\'s content (a README, docs), as previews and GitHub read it', () => {
    const hero = { path: '/ws/app/public/hero.png' };
    assert.equal(build({ syntax: 'markdown', layout: next, documentFolder: '/ws/app', variants: [hero], alt: 'a fox' }).text, '![a fox](./public/hero.png)');
    assert.equal(build({ syntax: 'markdown', layout: next, documentFolder: '/ws/app/docs', variants: [hero], alt: 'a fox' }).text, '![a fox](../public/hero.png)');
    assert.equal(build({ syntax: 'markdown', layout: vite, documentFolder: '/ws', variants: [hero], alt: 'a fox' }).text, '![a fox](./app/public/hero.png)');
    // The site's own Markdown (Astro content, Nuxt Content) keeps the site's root, and HTML beside a README does too.
    const astro = layoutOf('astro', '/ws/app');
    assert.equal(build({ syntax: 'markdown', layout: astro, documentFolder: '/ws/app/src/content/blog', variants: [hero], alt: 'a fox' }).text, '![a fox](/hero.png)');
    assert.equal(build({ syntax: 'markdown', layout: layoutOf('nuxt', '/ws/app'), documentFolder: '/ws/app/content', variants: [hero], alt: 'a fox' }).text, '![a fox](/hero.png)');
    assert.equal(build({ syntax: 'html', layout: next, documentFolder: '/ws/app', variants: [hero], alt: 'a fox' }).text, '<img src="/hero.png" alt="a fox">');
  });

  it('refers to an image in static/ from the site root in SvelteKit', () => {
    const layout = layoutOf('sveltekit', '/ws/site');
    assert.equal(build({ syntax: 'html', layout, variants: [{ path: '/ws/site/static/a.png' }], documentFolder: '/ws/site/src/routes' }).text, '<img src="/a.png" alt="A red fox">');
  });

  it('imports an image outside public/ in Vite JSX, with a file path (not a URL) as the specifier', () => {
    const reference = build({ syntax: 'jsx', layout: vite, documentFolder: '/ws/app/src', variants: [{ path: '/ws/app/src/assets/my fox.png', width: 640, height: 480 }] });
    assert.equal(reference.text, '<img src={myFoxImage} alt="A red fox" width={640} height={480} />');
    assert.deepEqual(reference.imports, [{ name: 'myFoxImage', statement: 'import myFoxImage from "./assets/my fox.png";', line: 0 }]);
  });

  it('uses the src of the imported object in Next.js', () => {
    const reference = build({ syntax: 'jsx', layout: next, documentFolder: '/ws/app/app', variants: [{ path: '/ws/app/images/fox.png' }] });
    assert.equal(reference.text, '<img src={foxImage.src} alt="A red fox" />');
  });

  it('puts the import after the document\'s imports, picks a free name, and reuses an existing import', () => {
    const text = "'use client';\nimport React from 'react';\nimport {\n  a,\n} from './a';\n\nconst foxImage = 1;\n";
    assert.deepEqual(planImport(text, './fox.png', 'fox.png'), { name: 'foxImage2', statement: 'import foxImage2 from "./fox.png";', line: 5 });
    assert.deepEqual(planImport("import fox from './fox.png';\n", './fox.png', 'fox.png'), { name: 'fox', line: 0 });
    const reused = build({ syntax: 'jsx', layout: vite, documentFolder: '/ws/images', documentText: "import fox from './fox.png';\n" });
    assert.equal(reused.text, '<img src={fox} alt="A red fox" width={640} height={480} />');
    assert.deepEqual(reused.imports, []);
  });

  it('names an import from a file name that starts with a digit or has no letters', () => {
    assert.equal(planImport('', './2024-cat.png', '2024-cat.png').name, 'image2024CatImage');
    assert.equal(planImport('', './狐.png', '狐.png').name, 'image');
  });

  it('imports in a script module of a bundler project, and quotes the URL elsewhere', () => {
    assert.equal(build({ syntax: 'script', layout: vite, documentFolder: '/ws/images' }).text, 'foxImage');
    assert.equal(build({ syntax: 'script', layout: layoutOf('astro', '/ws') }).text, '"../images/fox.png"');
  });
});

describe('The reference builder: Svelte and Astro components, which do not rewrite a relative src', () => {
  const kit = layoutOf('sveltekit', '/ws/site');
  const astro = layoutOf('astro', '/ws/site');
  const page = (language: 'svelte' | 'astro', layout: typeof kit, path: string, documentText = '', folder = language === 'svelte' ? '/ws/site/src/routes' : '/ws/site/src/pages') =>
    build({ syntax: 'html', language, layout, documentFolder: folder, documentText, variants: [{ path, width: 640, height: 480 }] });

  it('names an image in the served folder from the site root: static/ for SvelteKit, public/ for Astro, with no import', () => {
    const svelte = page('svelte', kit, '/ws/site/static/images/fox.png');
    assert.equal(svelte.text, '<img src="/images/fox.png" alt="A red fox" width="640" height="480">');
    assert.deepEqual(svelte.imports, []);
    const astroPage = page('astro', astro, '/ws/site/public/fox.png');
    assert.equal(astroPage.text, '<img src="/fox.png" alt="A red fox" width="640" height="480" />');
    assert.deepEqual(astroPage.imports, []);
  });

  it('imports an image of src/lib/assets in a SvelteKit page through $lib, in its <script>, after its imports', () => {
    const text = '<script lang="ts">\n\timport Header from \'$lib/Header.svelte\';\n\tlet count = 0;\n</script>\n\n<h1>Hi</h1>\n';
    const reference = page('svelte', kit, '/ws/site/src/lib/assets/fox.png', text);
    assert.equal(reference.text, '<img src={foxImage} alt="A red fox" width="640" height="480">');
    assert.deepEqual(reference.imports, [{ name: 'foxImage', statement: '\timport foxImage from "$lib/assets/fox.png";', line: 2 }]);
    assert.equal(reference.cannotImport, undefined);
  });

  it('gives a SvelteKit page without a <script> one, holding the import, at the top', () => {
    const reference = page('svelte', kit, '/ws/site/src/lib/assets/fox.png', '<h1>Hi</h1>\n');
    assert.deepEqual(reference.imports, [{ name: 'foxImage', statement: '<script>\n\timport foxImage from "$lib/assets/fox.png";\n</script>\n', line: 0 }]);
  });

  it('imports by relative path outside src/lib, and in a plain Vite Svelte project', () => {
    const reference = page('svelte', kit, '/ws/site/src/routes/about/fox.png', '<script>\n</script>\n');
    assert.deepEqual(reference.imports, [{ name: 'foxImage', statement: '\timport foxImage from "./about/fox.png";', line: 1 }]);
    const vitePage = build({ syntax: 'html', language: 'svelte', layout: vite, documentFolder: '/ws/app/src', documentText: '', variants: [{ path: '/ws/app/src/assets/fox.png' }] });
    assert.equal(vitePage.text, '<img src={foxImage} alt="A red fox">');
    assert.equal(vitePage.imports[0]!.statement, '<script>\n\timport foxImage from "./assets/fox.png";\n</script>\n');
  });

  it('imports an image of src/assets in an Astro page in its frontmatter, and takes src, width and height from the imported object', () => {
    const text = '---\nimport Layout from \'../layouts/Layout.astro\';\nconst title = "Foxes";\n---\n<Layout title={title}>\n</Layout>\n';
    const reference = page('astro', astro, '/ws/site/src/assets/fox.png', text);
    assert.equal(reference.text, '<img src={foxImage.src} alt="A red fox" width={foxImage.width} height={foxImage.height} />');
    assert.deepEqual(reference.imports, [{ name: 'foxImage', statement: 'import foxImage from "../assets/fox.png";', line: 2 }]);
  });

  it('gives an Astro page without frontmatter one, holding the import', () => {
    const reference = page('astro', astro, '/ws/site/src/assets/fox.png', '<h1>Hi</h1>\n');
    assert.deepEqual(reference.imports, [{ name: 'foxImage', statement: '---\nimport foxImage from "../assets/fox.png";\n---\n', line: 0 }]);
  });

  it('shares one new block among the images of a responsive set, and reuses an import already there', () => {
    const set = [{ path: '/ws/site/src/assets/fox-640.png', width: 640, height: 480 }, { path: '/ws/site/src/assets/fox-1280.png', width: 1280, height: 960 }];
    const reference = build({ syntax: 'html', language: 'astro', layout: astro, documentFolder: '/ws/site/src/pages', documentText: '', variants: set });
    assert.equal(reference.text, '<img src={fox640Image.src} srcset={`${fox640Image.src} 640w, ${fox1280Image.src} 1280w`} sizes="(max-width: 1280px) 100vw, 1280px" alt="A red fox" width={fox640Image.width} height={fox640Image.height} />');
    assert.deepEqual(reference.imports, [{ name: 'fox640Image', statement: '---\nimport fox640Image from "../assets/fox-640.png";\nimport fox1280Image from "../assets/fox-1280.png";\n---\n', line: 0 }]);
    const reused = page('svelte', kit, '/ws/site/src/lib/assets/fox.png', "<script>\n  import fox from '$lib/assets/fox.png';\n</script>\n");
    assert.equal(reused.text, '<img src={fox} alt="A red fox" width="640" height="480">');
    assert.deepEqual(reused.imports, []);
  });

  it('says so, and names the file by a relative URL, when the document has no line of its own for the import', () => {
    const oneLine = page('svelte', kit, '/ws/site/src/lib/assets/fox.png', '<script>let count = 0;</script>\n<h1>Hi</h1>\n');
    assert.deepEqual(oneLine.cannotImport, { servedFolder: '/ws/site/static' });
    assert.deepEqual(oneLine.imports, []);
    assert.equal(oneLine.text, '<img src="../lib/assets/fox.png" alt="A red fox" width="640" height="480">');
    assert.deepEqual(page('astro', astro, '/ws/site/src/assets/fox.png', '---\nconst a = 1;\n').cannotImport, { servedFolder: '/ws/site/public' });
  });

  it('puts the import in the instance <script>, else the module one, taking its indentation', () => {
    const text = '<script context="module">\n  export const prerender = true;\n</script>\n<script>\n    let a = 1;\n</script>\n';
    assert.deepEqual(planComponentImport(text, 'svelte', './fox.png', 'fox.png'), { name: 'foxImage', statement: '    import foxImage from "./fox.png";', line: 4 });
    assert.deepEqual(planComponentImport('<script module>\n\texport const x = 1;\n</script>\n', 'svelte', './fox.png', 'fox.png'), { name: 'foxImage', statement: '\timport foxImage from "./fox.png";', line: 1 });
  });

  it('leaves Vue templates, which rewrite a relative src, as they are', () => {
    const reference = build({ syntax: 'html', language: 'vue', layout: layoutOf('nuxt', '/ws/site'), documentFolder: '/ws/site/pages', variants: [{ path: '/ws/site/assets/fox.png' }] });
    assert.equal(reference.text, '<img src="../assets/fox.png" alt="A red fox">');
    assert.deepEqual(reference.imports, []);
  });
});

describe('The reference builder: responsive sets', () => {
  const set = [
    { path: '/ws/images/fox-640.png', width: 640, height: 480, mime: 'image/png' },
    { path: '/ws/images/fox-1280.png', width: 1280, height: 960, mime: 'image/png' },
  ];

  it('writes srcset and sizes for several widths of one type', () => {
    assert.equal(
      build({ syntax: 'html', variants: set }).text,
      '<img src="../images/fox-640.png" srcset="../images/fox-640.png 640w, ../images/fox-1280.png 1280w" sizes="(max-width: 1280px) 100vw, 1280px" alt="A red fox" width="640" height="480">',
    );
  });

  it('writes a <picture> with a <source> per further type', () => {
    const webp = set.map((variant) => ({ ...variant, path: variant.path.replace('.png', '.webp'), mime: 'image/webp' }));
    assert.equal(
      build({ syntax: 'html', variants: [...set, ...webp] }).text,
      [
        '<picture>',
        '  <source type="image/webp" srcset="../images/fox-640.webp 640w, ../images/fox-1280.webp 1280w" sizes="(max-width: 1280px) 100vw, 1280px">',
        '  <img src="../images/fox-640.png" srcset="../images/fox-640.png 640w, ../images/fox-1280.png 1280w" sizes="(max-width: 1280px) 100vw, 1280px" alt="A red fox" width="640" height="480">',
        '</picture>',
      ].join('\n'),
    );
  });

  it('builds srcSet from imported images in JSX, escaped in the snippet', () => {
    const reference = build({ syntax: 'jsx', layout: vite, variants: set, documentFolder: '/ws/images' });
    assert.equal(reference.text, '<img src={fox640Image} srcSet={`${fox640Image} 640w, ${fox1280Image} 1280w`} sizes="(max-width: 1280px) 100vw, 1280px" alt="A red fox" width={640} height={480} />');
    assert.deepEqual(reference.imports.map((item) => item.statement), ['import fox640Image from "./fox-640.png";', 'import fox1280Image from "./fox-1280.png";']);
    assert.ok(reference.snippet.includes('srcSet={`\\${fox640Image\\} 640w, \\${fox1280Image\\} 1280w`\\}'), reference.snippet);
  });

  it('names only the first variant in Markdown and CSS', () => {
    assert.equal(build({ syntax: 'markdown', variants: set }).text, '![A red fox](../images/fox-640.png)');
    assert.equal(build({ syntax: 'css', variants: set }).text, 'url("../images/fox-640.png")');
  });

  it('refuses an empty set', () => {
    assert.throws(() => build({ syntax: 'html', variants: [] }));
  });
});

describe('Project layouts', () => {
  it('knows the framework from dependencies or config files, the most specific first', () => {
    assert.equal(detectFramework({ vite: '^5', astro: '^4' }, []), 'astro');
    assert.equal(detectFramework({ next: '14', react: '18' }, []), 'next');
    assert.equal(detectFramework({ '@sveltejs/kit': '^2', vite: '^5' }, []), 'sveltekit');
    assert.equal(detectFramework({}, ['vite.config.ts']), 'vite');
    assert.equal(detectFramework({ 'react-scripts': '5' }, []), 'cra');
    assert.equal(detectFramework({ nuxt: '^2.17.0' }, []), 'nuxt2');
    assert.equal(detectFramework({ nuxt: '^3.10.0' }, []), 'nuxt');
    assert.equal(detectFramework({ express: '4' }, ['index.js']), undefined);
  });

  it('serves public/ or static/ beside package.json, and imports where the bundler expects it', () => {
    assert.deepEqual(layoutOf('vite', '/ws/app/'), { framework: 'vite', servedFolder: '/ws/app/public', imports: 'url' });
    assert.deepEqual(layoutOf('sveltekit', '/ws'), { framework: 'sveltekit', servedFolder: '/ws/static' });
    assert.equal(layoutOf('gatsby', '/ws').servedFolder, '/ws/static');
    assert.equal(layoutOf('next', '/ws').imports, 'object');
  });

  it('reads dependencies and devDependencies, and nothing from a broken package.json', () => {
    assert.deepEqual(dependenciesOf('{"dependencies":{"react":"18"},"devDependencies":{"vite":"5","x":3}}'), { react: '18', vite: '5' });
    assert.deepEqual(dependenciesOf('{oops'), {});
  });
});
