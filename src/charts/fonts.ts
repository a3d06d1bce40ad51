/**
 * Fonts for chart text. resvg draws text only with fonts it can load; with none, every label silently
 * disappears. We look for DejaVu (Debian `fonts-dejavu-core`, installed by .ci/run) and also let resvg scan
 * the system fonts for anything else.
 */
import { existsSync } from 'node:fs';

const CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf',
  '/usr/local/share/fonts/DejaVuSans.ttf',
  '/Library/Fonts/DejaVuSans.ttf',
];

export const CHART_FONT = 'DejaVu Sans';

/** Font files to load explicitly: RADAR_FONT_FILE when set, and the first DejaVu Sans found (regular and bold). */
export function chartFontFiles(env: Record<string, string | undefined> = process.env): string[] {
  const files: string[] = [];
  if (env.RADAR_FONT_FILE && existsSync(env.RADAR_FONT_FILE)) files.push(env.RADAR_FONT_FILE);
  const found = CANDIDATES.find((f) => existsSync(f));
  if (found) {
    files.push(found);
    // Titles are bold: the real bold face beats a synthesised one (and a fallback search).
    const bold = found.replace(/DejaVuSans\.ttf$/, 'DejaVuSans-Bold.ttf');
    if (existsSync(bold)) files.push(bold);
  }
  return files;
}

/** A one-line warning when no known font is present (charts would have no text), else null. */
export function fontWarning(env: Record<string, string | undefined> = process.env): string | null {
  return chartFontFiles(env).length
    ? null
    : 'No DejaVu Sans font found: chart text will be missing. Install it (Debian/Ubuntu: apt-get install fonts-dejavu-core) or set RADAR_FONT_FILE to a .ttf file.';
}
