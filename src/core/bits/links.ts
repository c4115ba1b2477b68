// Which symlinks an app package may hold: CC accepts links that stay inside
// the app (node_modules/.bin/*) and refuses the upload for any that point
// outside it ("Symlink(s) point outside of root folder").
import { posix } from 'node:path';

/** Does `link`, stored at package path `path`, resolve inside the package (read as text, relative to its folder)? */
export function linkStaysInside(path: string, link: string): boolean {
  if (!link || link.includes('\0') || link.startsWith('/') || /^[a-zA-Z]:/.test(link)) return false;
  const resolved = posix.normalize(posix.join(posix.dirname(path), link.replace(/\\/g, '/')));
  return resolved !== '..' && !resolved.startsWith('../') && !resolved.startsWith('/');
}

export const SYMLINK_OUTSIDE_DETAIL = 'Symlink(s) point outside of root folder';
