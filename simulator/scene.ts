import { createHash } from 'node:crypto';

/*
 * Pictures for the simulator's results that read as pictures: a simple scene composed from the
 * prompt's words (the sky of the time of day, the sun or the moon, mountains, water, trees, a
 * house, a boat, a lighthouse, birds…), an app icon for icon prompts, a tiling pattern for
 * textures. Drawn as SVG; the same prompt and seed always give the same picture.
 */

type Rng = () => number;

function rng(seed: string): Rng {
  const hash = createHash('sha256').update(seed).digest();
  let state = hash.readUInt32LE(0) || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0xffffffff;
  };
}

const has = (words: Set<string>, ...names: string[]): boolean => names.some((name) => words.has(name) || words.has(`${name}s`));

interface Sky {
  top: string;
  bottom: string;
  light: string;
  night: boolean;
}

function skyOf(words: Set<string>, random: Rng): Sky {
  if (has(words, 'night', 'moon', 'star', 'midnight', 'galaxy')) return { top: '#0b1030', bottom: '#2a3a6e', light: '#f4f1d0', night: true };
  if (has(words, 'sunset', 'dusk', 'evening', 'twilight')) return { top: '#3b2a6b', bottom: '#f59b5b', light: '#ffd27a', night: false };
  if (has(words, 'storm', 'stormy', 'rain', 'fog', 'foggy', 'cloudy')) return { top: '#4a5260', bottom: '#9aa3ad', light: '#dfe3e8', night: false };
  if (has(words, 'morning', 'dawn', 'sunrise')) return { top: '#8fb8e8', bottom: '#ffd9b0', light: '#fff1c4', night: false };
  const days: Sky[] = [
    { top: '#4f8fd8', bottom: '#cfe6fb', light: '#fff6c8', night: false },
    { top: '#6aa7e0', bottom: '#f2e7d0', light: '#fff3b8', night: false },
  ];
  return days[Math.floor(random() * days.length)]!;
}

/** A ridge of peaks across the width, from `base` up to `base - height`. */
function ridge(random: Rng, width: number, base: number, height: number, colour: string): string {
  const points: string[] = [`0,${base}`];
  const peaks = 3 + Math.floor(random() * 3);
  for (let index = 0; index <= peaks * 2; index++) {
    const x = (index / (peaks * 2)) * width;
    const y = index % 2 === 1 ? base - height * (0.55 + random() * 0.45) : base - height * random() * 0.3;
    points.push(`${x.toFixed(1)},${y.toFixed(1)}`);
  }
  points.push(`${width},${base}`);
  return `<polygon points="${points.join(' ')}" fill="${colour}"/>`;
}

function tree(x: number, ground: number, size: number, colour: string): string {
  const trunk = size * 0.12;
  return `<rect x="${x - trunk / 2}" y="${ground - size * 0.3}" width="${trunk}" height="${size * 0.3}" fill="#5a3d26"/>
<polygon points="${x},${ground - size} ${x - size * 0.32},${ground - size * 0.25} ${x + size * 0.32},${ground - size * 0.25}" fill="${colour}"/>`;
}

function house(x: number, ground: number, size: number): string {
  const w = size;
  const h = size * 0.7;
  return `<rect x="${x}" y="${ground - h}" width="${w}" height="${h}" fill="#e9dcc3"/>
<polygon points="${x - w * 0.08},${ground - h} ${x + w / 2},${ground - h - size * 0.5} ${x + w * 1.08},${ground - h}" fill="#a4473a"/>
<rect x="${x + w * 0.4}" y="${ground - h * 0.55}" width="${w * 0.2}" height="${h * 0.55}" fill="#6b4a33"/>
<rect x="${x + w * 0.1}" y="${ground - h * 0.75}" width="${w * 0.18}" height="${w * 0.16}" fill="#ffe9a8"/>`;
}

function boat(x: number, waterline: number, size: number): string {
  return `<polygon points="${x - size * 0.5},${waterline - size * 0.12} ${x + size * 0.5},${waterline - size * 0.12} ${x + size * 0.35},${waterline + size * 0.02} ${x - size * 0.35},${waterline + size * 0.02}" fill="#f5f0e6"/>
<line x1="${x}" y1="${waterline - size * 0.12}" x2="${x}" y2="${waterline - size * 0.9}" stroke="#4b3a2a" stroke-width="${size * 0.025}"/>
<polygon points="${x + size * 0.02},${waterline - size * 0.85} ${x + size * 0.42},${waterline - size * 0.2} ${x + size * 0.02},${waterline - size * 0.2}" fill="#fffaf0"/>`;
}

function lighthouse(x: number, ground: number, size: number, night: boolean): string {
  const w = size * 0.22;
  const beam = night ? `<polygon points="${x},${ground - size * 0.95} ${x + size * 2.2},${ground - size * 1.25} ${x + size * 2.2},${ground - size * 0.75}" fill="#fff6c0" opacity="0.35"/>` : '';
  const rock = `<polygon points="${x - size * 0.55},${ground + size * 0.12} ${x - size * 0.3},${ground - size * 0.02} ${x + size * 0.25},${ground - size * 0.04} ${x + size * 0.6},${ground + size * 0.12}" fill="${night ? '#2b2f3a' : '#6b6660'}"/>`;
  return `${beam}${rock}<polygon points="${x - w},${ground} ${x + w},${ground} ${x + w * 0.7},${ground - size * 0.9} ${x - w * 0.7},${ground - size * 0.9}" fill="#f4f1ea"/>
<rect x="${x - w * 0.8}" y="${ground - size * 0.6}" width="${w * 1.6}" height="${size * 0.12}" fill="#c8372d"/>
<rect x="${x - w * 0.55}" y="${ground - size * 1.02}" width="${w * 1.1}" height="${size * 0.12}" fill="#ffe27a"/>
<polygon points="${x - w * 0.7},${ground - size * 1.02} ${x},${ground - size * 1.15} ${x + w * 0.7},${ground - size * 1.02}" fill="#c8372d"/>`;
}

function birds(random: Rng, width: number, height: number): string {
  const out: string[] = [];
  for (let index = 0; index < 5; index++) {
    const x = width * (0.15 + random() * 0.7);
    const y = height * (0.12 + random() * 0.2);
    const s = width * (0.012 + random() * 0.01);
    out.push(`<path d="M${x - s},${y} q${s / 2},${-s / 2} ${s},0 q${s / 2},${-s / 2} ${s},0" fill="none" stroke="#2b2b35" stroke-width="${s * 0.18}"/>`);
  }
  return out.join('');
}

/** A landscape composed from the prompt's words. */
function landscape(words: Set<string>, random: Rng, width: number, height: number): string {
  const sky = skyOf(words, random);
  const water = has(words, 'lake', 'sea', 'ocean', 'water', 'river', 'bay', 'harbor', 'harbour', 'boat', 'sail', 'lighthouse', 'beach');
  const horizon = height * (water ? 0.62 : 0.68);
  const parts: string[] = [
    `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${sky.top}"/><stop offset="1" stop-color="${sky.bottom}"/></linearGradient></defs>`,
    `<rect width="${width}" height="${height}" fill="url(#sky)"/>`,
  ];
  const lightX = width * (0.2 + random() * 0.6);
  const lightR = Math.min(width, height) * (sky.night ? 0.05 : 0.07);
  parts.push(`<circle cx="${lightX}" cy="${height * 0.22}" r="${lightR * 2.2}" fill="${sky.light}" opacity="0.25"/><circle cx="${lightX}" cy="${height * 0.22}" r="${lightR}" fill="${sky.light}"/>`);
  if (sky.night) {
    for (let index = 0; index < 60; index++) parts.push(`<circle cx="${random() * width}" cy="${random() * horizon * 0.8}" r="${Math.max(1, width * 0.0015 * (0.5 + random()))}" fill="#ffffff" opacity="${0.4 + random() * 0.6}"/>`);
  }
  if (has(words, 'mountain', 'peak', 'alps', 'hill', 'hillside', 'valley', 'snow') || random() < 0.5) {
    parts.push(ridge(random, width, horizon, height * 0.3, sky.night ? '#1d2547' : '#6c7fa0'));
    parts.push(ridge(random, width, horizon, height * 0.17, sky.night ? '#151b36' : '#4d6482'));
  }
  const ground = water ? (sky.night ? '#14224a' : '#3c77a8') : has(words, 'desert', 'dune', 'sand') ? '#d9b97a' : sky.night ? '#17301f' : '#5f9a4c';
  parts.push(`<rect y="${horizon}" width="${width}" height="${height - horizon}" fill="${ground}"/>`);
  if (water) {
    for (let index = 0; index < 14; index++) {
      const y = horizon + (height - horizon) * random();
      parts.push(`<rect x="${random() * width}" y="${y}" width="${width * (0.05 + random() * 0.12)}" height="${Math.max(1, height * 0.004)}" fill="#ffffff" opacity="0.25"/>`);
    }
    parts.push(`<rect x="${lightX - lightR * 0.6}" y="${horizon}" width="${lightR * 1.2}" height="${(height - horizon) * 0.8}" fill="${sky.light}" opacity="0.18"/>`);
  }
  const unit = Math.min(width, height);
  if (has(words, 'forest', 'tree', 'wood', 'woods', 'pine', 'hillside') || (!water && random() < 0.6)) {
    const count = has(words, 'forest', 'woods') ? 12 : 4;
    for (let index = 0; index < count; index++) parts.push(tree(width * (0.05 + random() * 0.9), horizon + unit * 0.02 * random(), unit * (0.12 + random() * 0.1), sky.night ? '#10301c' : '#2f6b34'));
  }
  if (has(words, 'house', 'cabin', 'cottage', 'barn', 'village', 'home')) parts.push(house(width * 0.18, horizon + unit * 0.04, unit * 0.16));
  if (has(words, 'lighthouse')) parts.push(lighthouse(width * 0.78, horizon + unit * 0.01, unit * 0.34, sky.night));
  if (has(words, 'boat', 'sail', 'sailboat', 'ship')) parts.push(boat(width * 0.45, horizon + (height - horizon) * 0.35, unit * 0.18));
  if (has(words, 'bird', 'gull', 'seagull', 'owl', 'crane')) parts.push(birds(random, width, height));
  return parts.join('\n');
}

/** An app icon: a rounded square with a simple glyph, in colours taken from the seed. */
function icon(random: Rng, width: number, height: number): string {
  const hue = Math.floor(random() * 360);
  const size = Math.min(width, height);
  const cx = width / 2;
  const cy = height / 2;
  const glyph =
    random() < 0.5
      ? `<circle cx="${cx}" cy="${cy}" r="${size * 0.2}" fill="none" stroke="#fff" stroke-width="${size * 0.07}"/><circle cx="${cx + size * 0.14}" cy="${cy - size * 0.14}" r="${size * 0.06}" fill="#fff"/>`
      : `<polygon points="${cx},${cy - size * 0.24} ${cx + size * 0.22},${cy + size * 0.18} ${cx - size * 0.22},${cy + size * 0.18}" fill="#fff"/>`;
  return `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},75%,58%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360},70%,42%)"/></linearGradient></defs>
<rect width="${width}" height="${height}" fill="hsl(${hue},30%,95%)"/>
<rect x="${cx - size * 0.4}" y="${cy - size * 0.4}" width="${size * 0.8}" height="${size * 0.8}" rx="${size * 0.18}" fill="url(#g)"/>
${glyph}`;
}

/** A pattern that tiles: every shape that crosses an edge is drawn again on the other side. */
function texture(random: Rng, width: number, height: number): string {
  const hue = Math.floor(random() * 360);
  const parts = [`<rect width="${width}" height="${height}" fill="hsl(${hue},25%,72%)"/>`];
  for (let index = 0; index < 40; index++) {
    const x = random() * width;
    const y = random() * height;
    const r = Math.min(width, height) * (0.02 + random() * 0.06);
    const fill = `hsl(${(hue + Math.floor(random() * 40) - 20 + 360) % 360},${30 + Math.floor(random() * 30)}%,${45 + Math.floor(random() * 35)}%)`;
    for (const dx of [-width, 0, width]) for (const dy of [-height, 0, height]) parts.push(`<circle cx="${x + dx}" cy="${y + dy}" r="${r}" fill="${fill}" opacity="0.8"/>`);
  }
  return parts.join('\n');
}

/** The SVG picture for a prompt; `seed` tells variants of one request apart. */
export function sceneSvg(prompt: string, seed: string, width: number, height: number): string {
  const words = new Set(prompt.toLowerCase().match(/[a-z]+/g) ?? []);
  const random = rng(seed);
  const body = has(words, 'icon', 'logo', 'favicon', 'app')
    ? icon(random, width, height)
    : has(words, 'texture', 'seamless', 'pattern', 'tile', 'tiling')
      ? texture(random, width, height)
      : landscape(words, random, width, height);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${body}</svg>`;
}
