/**
 * What a web project does with images: which folder it serves at the site's root (`public/`,
 * `static/`), and whether its bundler wants images imported into script modules. Read from the
 * nearest `package.json` and the config files beside it.
 */

/** The frameworks whose layout is known. */
export type Framework = 'next' | 'astro' | 'sveltekit' | 'nuxt' | 'nuxt2' | 'gatsby' | 'remix' | 'cra' | 'vueCli' | 'vite';

/**
 * How a script module refers to an imported image: `url` when the import is the URL (Vite,
 * Create React App), `object` when it is an object whose `src` is the URL (Next.js).
 */
export type ImportStyle = 'url' | 'object';

/** What the builder needs to know of a project. */
export interface ProjectLayout {
  framework: Framework;
  /** The folder served at the site's root (a POSIX path): images inside it are referenced as `/…`. */
  servedFolder: string;
  /** Present when JSX/TSX modules import images that lie outside the served folder. */
  imports?: ImportStyle;
}

interface FrameworkFacts {
  /** Any of these dependencies (dependencies or devDependencies) names the framework. */
  packages: readonly string[];
  /** Any of these config files beside `package.json` names it too. */
  configs: RegExp;
  served: 'public' | 'static';
  imports?: ImportStyle;
}

/**
 * The frameworks, most specific first: several of them run on Vite, so plain Vite comes last.
 * Create React App, Next.js, Gatsby, Remix and Vite bundle an `import` of an image into a URL;
 * Next.js answers an object with its `src`. Astro, SvelteKit and Nuxt components have their own
 * ways (their JSX is rare): they get root-relative or relative paths.
 */
const frameworks: Record<Framework, FrameworkFacts> = {
  next: { packages: ['next'], configs: /^next\.config\.(js|mjs|cjs|ts|mts)$/, served: 'public', imports: 'object' },
  astro: { packages: ['astro'], configs: /^astro\.config\.(js|mjs|cjs|ts|mts)$/, served: 'public' },
  sveltekit: { packages: ['@sveltejs/kit'], configs: /^$/, served: 'static' },
  nuxt2: { packages: [], configs: /^$/, served: 'static' },
  nuxt: { packages: ['nuxt', 'nuxt3'], configs: /^nuxt\.config\.(js|mjs|ts)$/, served: 'public' },
  gatsby: { packages: ['gatsby'], configs: /^gatsby-config\.(js|mjs|ts)$/, served: 'static', imports: 'url' },
  remix: { packages: ['@remix-run/dev', '@react-router/dev'], configs: /^remix\.config\.(js|mjs|cjs)$/, served: 'public', imports: 'url' },
  cra: { packages: ['react-scripts'], configs: /^$/, served: 'public', imports: 'url' },
  vueCli: { packages: ['@vue/cli-service'], configs: /^vue\.config\.(js|mjs|cjs|ts)$/, served: 'public' },
  vite: { packages: ['vite'], configs: /^vite\.config\.(js|mjs|cjs|ts|mts|cts)$/, served: 'public', imports: 'url' },
};

/** A `package.json`'s dependencies and devDependencies, from its text; empty when it is not readable. */
export function dependenciesOf(packageJson: string): Record<string, string> {
  try {
    const parsed = JSON.parse(packageJson) as { dependencies?: unknown; devDependencies?: unknown };
    const pick = (value: unknown): Record<string, string> =>
      typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) : {};
    return { ...pick(parsed.devDependencies), ...pick(parsed.dependencies) };
  } catch {
    return {};
  }
}

/**
 * The framework of a project folder, from its dependencies and the names of the files in it;
 * `undefined` when none is known. Nuxt 2 (a `nuxt` dependency of major version 2) serves
 * `static/`, later versions `public/`.
 */
export function detectFramework(dependencies: Readonly<Record<string, string>>, fileNames: readonly string[]): Framework | undefined {
  for (const [name, facts] of Object.entries(frameworks) as [Framework, FrameworkFacts][]) {
    if (facts.packages.some((dependency) => dependency in dependencies) || fileNames.some((file) => facts.configs.test(file))) {
      if (name === 'nuxt' && /^[\^~>=\s]*2\./.test(dependencies.nuxt ?? '')) return 'nuxt2';
      return name;
    }
  }
  return undefined;
}

/** The layout of a project of this framework whose `package.json` lies in `root` (a POSIX path). */
export function layoutOf(framework: Framework, root: string): ProjectLayout {
  const facts = frameworks[framework];
  const servedFolder = `${root.replace(/\/+$/, '')}/${facts.served}`;
  return facts.imports ? { framework, servedFolder, imports: facts.imports } : { framework, servedFolder };
}

/** Hosts whose pages are a repository's, not the site's: npm's `homepage` default points there (`…#readme`). */
const repositoryHosts = /(^|\.)(github\.com|gitlab\.com|bitbucket\.org|npmjs\.com|codeberg\.org)$/i;

/**
 * The site's address from a `package.json`'s `homepage` (as Create React App reads it), without
 * a trailing slash: `undefined` when there is none, when it is not an http(s) URL, or when it is
 * a repository's page (`https://github.com/me/app#readme`, what `npm init` writes).
 */
export function siteUrlOf(packageJson: string): string | undefined {
  let homepage: unknown;
  try {
    homepage = (JSON.parse(packageJson) as { homepage?: unknown }).homepage;
  } catch {
    return undefined;
  }
  if (typeof homepage !== 'string') return undefined;
  const match = /^(https?):\/\/([^/?#\s@]+)(\/[^?#\s]*)?$/i.exec(homepage.trim());
  if (!match) return undefined;
  const host = match[2]!.replace(/:\d+$/, '');
  if (repositoryHosts.test(host)) return undefined;
  return `${match[1]!.toLowerCase()}://${match[2]}${(match[3] ?? '').replace(/\/+$/, '')}`;
}

/** The folder of a project's `package.json` (a POSIX path): the one its served folder lies in. */
export function projectRootOf(layout: ProjectLayout): string {
  return layout.servedFolder.replace(/\/+$/, '').replace(/\/[^/]*$/, '');
}
