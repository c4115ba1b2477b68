// Where the cursor is in a manifest, from indentation alone (works on broken
// YAML, which is what you have while typing): the scope the key belongs to,
// and whether a key or a value of which key is being typed.
import type { KeyScope } from '../../core/manifest';

export interface CursorContext {
  /** Typing a key (`  mem|`) or the value of `key` (`  memory: |`, `  - |` under `buildpacks:`). */
  position: 'key' | 'value';
  scope: KeyScope;
  /** For values: the key whose value this is. */
  key?: string;
  /** Text typed so far of the key or value. */
  prefix: string;
}

const PARENT_SCOPE: Record<string, KeyScope> = {
  applications: 'app',
  processes: 'process',
  routes: 'route',
  docker: 'docker',
  sidecars: 'sidecar',
  metadata: 'metadata',
  services: 'service',
};

const indentOf = (line: string) => line.length - line.trimStart().length;
/** Indent of a list item's content: `  - name: x` → 4. */
const contentIndent = (line: string) => {
  const m = /^(\s*)-\s+/.exec(line);
  return m ? m[0].length : indentOf(line);
};

/**
 * The key that owns a line whose content starts at column `indent`: the
 * nearest line above whose key starts further left (`- name: a` starts at 2,
 * so it is a sibling of `  memory:`, not its parent).
 */
function parentKey(lines: string[], lineNo: number, indent: number): { key: string; line: number } | undefined {
  for (let i = lineNo - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (!l.trim() || l.trimStart().startsWith('#')) continue;
    if (contentIndent(l) >= indent) continue;
    const m = /^\s*(?:-\s+)?([\w-]+):/.exec(l);
    return m ? { key: m[1]!, line: i } : undefined;
  }
  return undefined;
}

export function cursorContext(text: string, line: number, character: number): CursorContext {
  const lines = text.split(/\r?\n/);
  const current = lines[line] ?? '';
  const before = current.slice(0, character);
  const valueMatch = /^\s*(?:-\s+)?([\w-]+):\s+(.*)$/.exec(before) ?? /^\s*(?:-\s+)?([\w-]+):()$/.exec(before);
  const scopeAt = (indent: number): KeyScope => {
    const p = parentKey(lines, line, indent);
    if (!p) return 'top';
    return PARENT_SCOPE[p.key] ?? (p.key === 'labels' || p.key === 'annotations' ? 'metadata' : 'app');
  };
  if (valueMatch) {
    const indent = contentIndent(current);
    return { position: 'value', key: valueMatch[1], scope: scopeAt(indent), prefix: valueMatch[2]!.trim() };
  }
  const item = /^(\s*)-\s+([^:]*)$/.exec(before);
  if (item) {
    // `  - |` : a list item; under a list of scalars (buildpacks, services) it is a value.
    const p = parentKey(lines, line, indentOf(current) + 1);
    if (p && ['buildpacks', 'services', 'process_types'].includes(p.key)) {
      return { position: 'value', key: p.key, scope: 'app', prefix: item[2]!.trim() };
    }
    const indent = contentIndent(current);
    return { position: 'key', scope: scopeAt(indent), prefix: item[2]!.trim() };
  }
  const key = /^(\s*)([\w-]*)$/.exec(before);
  const indent = key ? key[1]!.length : indentOf(current);
  return { position: 'key', scope: scopeAt(indent), prefix: key?.[2] ?? '' };
}
