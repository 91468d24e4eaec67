import { adaptiveIconPadding, maskablePadding } from './imageGeometry';
import type { RecipeInput, RecipeOutput } from './recipes';

/*
 * The recipes that come with the extension, as data in the recipe format (`recipes.ts`). Sizes
 * and snippets follow the current platform guidance: the favicon set of RealFaviconGenerator
 * (ICO 48/32/16, a 96 px PNG, a 180 px Apple touch icon, separate `any` and `maskable` manifest
 * icons), Open Graph's 1200x630, Xcode's AppIcon set and Android Studio's launcher icons (adaptive and
 * legacy), laid out as those projects keep them.
 * They stay English: the prompts go to the model as written, and a preset copies them. What the
 * user reads of them (names, descriptions, labels) is translated on the host, in
 * `extension/assets/recipeText.ts`: a change here goes there too (a unit test checks).
 */

type OutputInput = RecipeInput['outputs'][number];

const png = (file: string, size: number, extra: Partial<RecipeOutput> = {}): OutputInput => ({ file, width: size, height: size, format: 'png', ...extra });

/*
 * A maskable icon is padded so that the whole source fits the safe circle; with no `background`
 * named, the padding takes the colour of the source's own edge (a full-bleed blue icon stays
 * blue to the mask), not a white frame.
 */
const manifestIcon = (size: number, purpose: 'any' | 'maskable'): OutputInput =>
  png(purpose === 'any' ? `web-app-manifest-${size}x${size}.png` : `web-app-manifest-maskable-${size}x${size}.png`, size, {
    purpose,
    ...(purpose === 'maskable' ? { padding: maskablePadding } : {}),
    snippets: [{ snippet: 'manifest', slot: 'icons', text: '    { "src": "{href}", "sizes": "{width}x{height}", "type": "{mime}", "purpose": "{purpose}" }' }],
  });

const favicon: RecipeInput = {
  id: 'favicon-set',
  name: 'Favicon set',
  description: 'favicon.ico, PNG and Apple touch icons, web app manifest icons (any and maskable), the manifest and the <link> tags.',
  prompt: {
    template: 'A simple, bold icon of {subject}. Flat shapes, one centred subject filling most of the frame, no text, plain {background} background, strong contrast so that it reads at 16 pixels.',
    placeholders: {
      subject: { label: 'What the icon shows' },
      background: { label: 'Background', default: 'white' },
      appName: { label: 'Name of the site or app (for the manifest)', default: 'My App' },
    },
  },
  model: { id: 'gpt-4o-image', options: { size: '1024x1024', n: 1 } },
  output: { folder: 'public', naming: 'favicon', publicPath: '/' },
  outputs: [
    { file: 'favicon.ico', width: 48, height: 48, format: 'ico', sizes: [48, 32, 16], snippets: [{ snippet: 'head', slot: 'links', text: '<link rel="shortcut icon" href="{href}" />' }] },
    png('favicon-96x96.png', 96, { snippets: [{ snippet: 'head', slot: 'links', text: '<link rel="icon" type="image/png" href="{href}" sizes="96x96" />' }] }),
    png('apple-touch-icon.png', 180, {
      background: '#ffffff',
      snippets: [{ snippet: 'head', slot: 'links', text: '<link rel="apple-touch-icon" sizes="180x180" href="{href}" />' }],
    }),
    manifestIcon(192, 'any'),
    manifestIcon(512, 'any'),
    manifestIcon(192, 'maskable'),
    manifestIcon(512, 'maskable'),
  ],
  snippets: [
    {
      id: 'head',
      title: 'In the <head> of every page',
      language: 'html',
      template: '{slot:links}\n<meta name="apple-mobile-web-app-title" content="{appName}" />\n<link rel="manifest" href="{publicPath}site.webmanifest" />\n',
    },
    {
      id: 'manifest',
      title: 'site.webmanifest',
      language: 'json',
      file: 'site.webmanifest',
      template: '{\n  "name": "{appName}",\n  "short_name": "{appName}",\n  "icons": [\n{slot:icons}\n  ],\n  "theme_color": "#ffffff",\n  "background_color": "#ffffff",\n  "display": "standalone"\n}\n',
      separators: { icons: ',\n' },
    },
  ],
};

const openGraph: RecipeInput = {
  id: 'open-graph-card',
  name: 'Open Graph card',
  description: 'A 1200x630 sharing image for social networks and chat previews, with its meta tags.',
  prompt: {
    template: 'A wide social sharing image for {title}: {about}. One clear subject near the centre, generous space around it, no small text, no logos.',
    placeholders: { title: { label: 'Page title' }, about: { label: 'What the page is about', multiline: true } },
  },
  model: { id: 'gpt-4o-image', options: { size: '1536x1024', n: 1 } },
  output: { folder: 'public/og', naming: '{slug}', publicPath: '/og/' },
  outputs: [
    {
      file: '{name}.jpg',
      width: 1200,
      height: 630,
      fit: 'cover',
      format: 'jpeg',
      quality: 85,
      snippets: [
        {
          snippet: 'meta',
          slot: 'image',
          // Crawlers need an absolute URL: the site's address where the project states it (package.json "homepage"); else the run says what to replace.
          text: '<meta property="og:image" content="{siteUrl}{href}" />\n<meta property="og:image:type" content="{mime}" />\n<meta property="og:image:width" content="{width}" />\n<meta property="og:image:height" content="{height}" />\n<meta name="twitter:image" content="{siteUrl}{href}" />',
        },
      ],
    },
  ],
  snippets: [
    {
      id: 'meta',
      title: 'In the <head> of the page (use the absolute URL of the image)',
      language: 'html',
      template: '<meta property="og:title" content="{title}" />\n{slot:image}\n<meta property="og:image:alt" content="{title}" />\n<meta name="twitter:card" content="summary_large_image" />\n',
    },
  ],
};

/*
 * Xcode's asset catalog: each size's file and the slots of the `AppIcon` set it fills (idiom,
 * size in points, scale), as `Contents.json` maps them, the 1024 px App Store icon included; all
 * opaque (App Store Connect refuses an icon with alpha). The layout is the one of Xcode before
 * its single-size icons (Xcode 14), which every Xcode since still reads, for every deployment
 * target.
 */
const iosSlots: [number, [string, string, string][]][] = [
  [1024, [['ios-marketing', '1024', '1']]],
  [180, [['iphone', '60', '3']]],
  [167, [['ipad', '83.5', '2']]],
  [152, [['ipad', '76', '2']]],
  [120, [['iphone', '60', '2'], ['iphone', '40', '3']]],
  [87, [['iphone', '29', '3']]],
  [80, [['iphone', '40', '2'], ['ipad', '40', '2']]],
  [76, [['ipad', '76', '1']]],
  [60, [['iphone', '20', '3']]],
  [58, [['iphone', '29', '2'], ['ipad', '29', '2']]],
  [40, [['iphone', '20', '2'], ['ipad', '20', '2'], ['ipad', '40', '1']]],
  [29, [['ipad', '29', '1']]],
  [20, [['ipad', '20', '1']]],
];

const iosIcon = ([size, slots]: (typeof iosSlots)[number]): OutputInput =>
  png(`ios/AppIcon.appiconset/AppIcon-${size}.png`, size, {
    background: '#ffffff',
    snippets: slots.map(([idiom, points, scale]) => ({
      snippet: 'xcode',
      slot: 'images',
      text: `    { "filename" : "{fileName}", "idiom" : "${idiom}", "scale" : "${scale}x", "size" : "${points}x${points}" }`,
    })),
  });

/** Android's density buckets: the legacy launcher icon (48 dp) and the adaptive icon's foreground layer (108 dp) in each. */
const androidDensities: [string, number][] = [['mdpi', 1], ['hdpi', 1.5], ['xhdpi', 2], ['xxhdpi', 3], ['xxxhdpi', 4]];

/*
 * The adaptive icon (Android 8 and later) for `android:icon` and `android:roundIcon` alike, as
 * Android Studio's templates name them: the foreground layer is the source, padded with its own
 * edge so that the launcher's mask cuts only background; the background layer shows only where
 * the source is transparent.
 */
const adaptiveIcon = '<?xml version="1.0" encoding="utf-8"?>\n<adaptive-icon xmlns:android="http://schemas.android.com/apk/res/android">\n    <background android:drawable="@android:color/white" />\n    <foreground android:drawable="@mipmap/ic_launcher_foreground" />\n</adaptive-icon>\n';

const appIcons: RecipeInput = {
  id: 'app-icon-set',
  name: 'App icon set',
  description: "An Xcode AppIcon.appiconset (20 to 1024 px, with its Contents.json) and Android's res folder: adaptive launcher icons with their XML, square and round legacy ones from mdpi to xxxhdpi, and the 512 px Play Store icon.",
  prompt: {
    template: 'An app icon of {subject}. One bold centred symbol, simple shapes, no text, a full-bleed {background} background, no rounded corners (the platform adds them).',
    placeholders: { subject: { label: 'What the icon shows' }, background: { label: 'Background', default: 'soft gradient' } },
  },
  model: { id: 'gpt-4o-image', options: { size: '1024x1024', n: 1 } },
  output: { folder: 'icons/{name}', naming: '{slug}' },
  outputs: [
    ...iosSlots.map(iosIcon),
    // Android 7's square and round icons, WebP and lossless as Android Studio's templates keep them: copied into a project, they replace its own by name.
    ...androidDensities.flatMap(([density, scale]): OutputInput[] => [
      { file: `android/res/mipmap-${density}/ic_launcher.webp`, width: 48 * scale, height: 48 * scale, format: 'webp', lossless: true },
      { file: `android/res/mipmap-${density}/ic_launcher_round.webp`, width: 48 * scale, height: 48 * scale, format: 'webp', lossless: true, mask: 'circle' },
    ]),
    ...androidDensities.map(([density, scale]) => png(`android/res/mipmap-${density}/ic_launcher_foreground.png`, 108 * scale, { purpose: 'maskable', padding: adaptiveIconPadding })),
    png('android/ic_launcher-playstore.png', 512, { background: '#ffffff' }),
  ],
  snippets: [
    {
      id: 'xcode',
      title: 'Contents.json of the AppIcon set',
      language: 'json',
      file: 'ios/AppIcon.appiconset/Contents.json',
      template: '{\n  "images" : [\n{slot:images}\n  ],\n  "info" : {\n    "author" : "xcode",\n    "version" : 1\n  }\n}\n',
      separators: { images: ',\n' },
    },
    { id: 'adaptive', title: 'Adaptive launcher icon', language: 'xml', file: 'android/res/mipmap-anydpi-v26/ic_launcher.xml', template: adaptiveIcon },
    { id: 'adaptive-round', title: 'Adaptive round launcher icon', language: 'xml', file: 'android/res/mipmap-anydpi-v26/ic_launcher_round.xml', template: adaptiveIcon },
  ],
};

const responsiveWidths: [number, number][] = [[640, 360], [1280, 720], [1920, 1080]];

const responsive: RecipeInput = {
  id: 'responsive-image',
  name: 'Responsive image',
  description: 'WebP at 640, 1280 and 1920 px wide with a JPEG fallback, and the <picture> element that picks one.',
  prompt: {
    template: '{subject}',
    placeholders: { subject: { label: 'What the image shows', multiline: true }, alt: { label: 'Alternative text' } },
  },
  model: { id: 'doubao-seedream-4.5', options: { size: '2560x1440', n: 1 } },
  // `public` is the folder the project serves (public/, static/ …), so that /images/… reaches the files.
  output: { folder: 'public/images', naming: '{slug}', publicPath: '/images/' },
  outputs: [
    ...responsiveWidths.map(([width, height]): OutputInput => ({
      file: `{name}-${width}.webp`,
      width,
      height,
      fit: 'cover',
      format: 'webp',
      quality: 80,
      snippets: [{ snippet: 'picture', slot: 'srcset', text: '{href} {width}w' }],
    })),
    {
      file: '{name}-1280.jpg',
      width: 1280,
      height: 720,
      fit: 'cover',
      format: 'jpeg',
      quality: 80,
      snippets: [{ snippet: 'picture', slot: 'fallback', text: '<img src="{href}" width="{width}" height="{height}" alt="{alt}" loading="lazy" decoding="async" />' }],
    },
  ],
  snippets: [
    {
      id: 'picture',
      title: 'Where the image goes',
      language: 'html',
      template: '<picture>\n  <source type="image/webp" srcset="{slot:srcset}" sizes="100vw" />\n  {slot:fallback}\n</picture>\n',
      separators: { srcset: ', ' },
    },
  ],
};

const texture: RecipeInput = {
  id: 'seamless-texture',
  name: 'Seamless texture',
  description: 'A tileable texture, and a 2x2 preview that shows whether its edges meet.',
  prompt: {
    template: 'A seamless, tileable texture of {material}, seen straight on: even lighting, no vignette, no objects, no horizon, detail spread evenly, and edges that continue across the opposite side so that copies placed side by side show no seam.',
    placeholders: { material: { label: 'Material or pattern' } },
  },
  model: { id: 'gpt-4o-image', options: { size: '1024x1024', n: 1 } },
  output: { folder: 'public/textures', naming: '{slug}', publicPath: '/textures/' },
  outputs: [
    { file: '{name}.png', width: 1024, height: 1024, fit: 'cover', format: 'png', snippets: [{ snippet: 'css', slot: 'png', text: '{href}' }] },
    { file: '{name}-512.webp', width: 512, height: 512, fit: 'cover', format: 'webp', quality: 85, snippets: [{ snippet: 'css', slot: 'webp', text: '{href}' }] },
    { file: '{name}-preview-2x2.jpg', width: 1024, height: 1024, fit: 'cover', format: 'jpeg', quality: 85, tile: 2 },
  ],
  /*
   * The small WebP where the browser reads `image-set()` with `type()`, the lossless PNG where it
   * does not (the first declaration stays). One tile size for both, so that the pattern's scale
   * does not depend on the browser: the PNG, twice the WebP's pixels, is then sharp on HiDPI.
   */
  snippets: [
    {
      id: 'css',
      title: 'CSS',
      language: 'css',
      template: 'background-image: url("{slot:png}");\nbackground-image: image-set(url("{slot:webp}") type("image/webp"), url("{slot:png}") type("image/png"));\nbackground-size: 512px 512px;\nbackground-repeat: repeat;\n',
    },
  ],
};

/** The recipes that come with the extension, as written (`parseRecipe` fills in the defaults). */
export const builtinRecipes: readonly RecipeInput[] = [favicon, openGraph, appIcons, responsive, texture];
