// A plain tree of the YAML document that keeps every node's source range, with
// aliases, `<<` merge keys and ((vars)) already applied. Validation works on
// this so each diagnostic can point at the exact text that caused it.
import { Document, LineCounter, isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';
import type { ErrorCode } from '../errors';
import type { ManifestDiagnostic } from './types';
import { interpolate, type VarUse } from './vars';
import { ALIAS_HINT, LIMIT_CODES, MAX_ALIAS_NODES, MAX_DEPTH, TOO_DEEP_HINT, aliasMessage, tooDeepMessage } from './limits';

export interface Pos {
  line: number;
  col: number;
}
export interface Range {
  start: Pos;
  end: Pos;
}

export interface YScalar {
  kind: 'scalar';
  range: Range;
  value: unknown;
  source?: string;
  unresolved?: boolean;
}
export interface YSeq {
  kind: 'seq';
  range: Range;
  items: YNode[];
}
export interface YEntry {
  key: string;
  keyRange: Range;
  value: YNode;
}
export interface YMap {
  kind: 'map';
  range: Range;
  entries: YEntry[];
  /** Written `{a: 1}` rather than as indented lines (fixes must keep the style). */
  flow?: boolean;
}
export type YNode = YScalar | YSeq | YMap;

export interface TreeResult {
  root?: YNode;
  diagnostics: ManifestDiagnostic[];
  /** Every ((var)) use in document order, resolved or not. */
  varUses: VarUse[];
}

interface Ctx {
  text: string;
  doc: Document;
  lc: LineCounter;
  file: string;
  vars?: Record<string, unknown>;
  diags: ManifestDiagnostic[];
  varUses: VarUse[];
  /** Collections open around the node being converted. */
  depth: number;
  /** Aliases being expanded around it, and nodes converted inside any. */
  aliasDepth: number;
  aliasNodes: number;
  /** Set once a limit is hit: the rest of the tree is not built. */
  stopped: boolean;
}

export function rangeOf(lc: LineCounter, start: number, end: number): Range {
  return { start: lc.linePos(start), end: lc.linePos(end) };
}

function nodeRange(ctx: Ctx, node: Node | null | undefined, fallback: Range): Range {
  const r = node?.range;
  return r ? rangeOf(ctx.lc, r[0], r[1]) : fallback;
}

export function buildTree(text: string, doc: Document, lc: LineCounter, file: string, vars?: Record<string, unknown>): TreeResult {
  const ctx: Ctx = { text, doc, lc, file, vars, diags: [], varUses: [], depth: 0, aliasDepth: 0, aliasNodes: 0, stopped: false };
  const zero = { start: { line: 1, col: 1 }, end: { line: 1, col: 1 } };
  const root = doc.contents ? convert(ctx, doc.contents as Node, zero) : undefined;
  return { root, diagnostics: ctx.diags, varUses: ctx.varUses };
}

function stop(ctx: Ctx, message: string, hint: string, code: ErrorCode, range: Range): YNode {
  if (!ctx.stopped) ctx.diags.push({ severity: 'error', message, hint, code, start: range.start, end: range.end });
  ctx.stopped = true;
  return { kind: 'scalar', range, value: null };
}

function convert(ctx: Ctx, node: Node, fallback: Range): YNode {
  if (ctx.stopped) return { kind: 'scalar', range: fallback, value: null };
  // Alias cycles (`a: &a [*a]`) also end here, as too deep.
  if (ctx.depth > MAX_DEPTH) return stop(ctx, tooDeepMessage(ctx.file), TOO_DEEP_HINT, LIMIT_CODES.depth, nodeRange(ctx, node, fallback));
  if (ctx.aliasDepth > 0 && ++ctx.aliasNodes > MAX_ALIAS_NODES) {
    return stop(ctx, aliasMessage(ctx.file), ALIAS_HINT, LIMIT_CODES.aliases, fallback);
  }
  ctx.depth++;
  try {
    if (isAlias(node)) {
      const target = node.resolve(ctx.doc);
      if (!target) return { kind: 'scalar', range: nodeRange(ctx, node, fallback), value: null };
      ctx.aliasDepth++;
      ctx.depth--; // an alias is not a level of its own
      try {
        return convert(ctx, target as Node, nodeRange(ctx, node, fallback));
      } finally {
        ctx.depth++;
        ctx.aliasDepth--;
      }
    }
    const range = nodeRange(ctx, node, fallback);
    if (isMap(node)) return { ...convertMap(ctx, node.items, range), ...(node.flow ? { flow: true } : {}) };
    if (isSeq(node)) return { kind: 'seq', range, items: node.items.map((n) => convert(ctx, n as Node, range)) };
    if (isScalar(node)) {
      if (typeof node.value === 'string') {
        const r = interpolate(node.value, range, ctx.vars, locator(ctx, node.range, node.value));
        ctx.varUses.push(...r.uses);
        if (r.uses.length) return { kind: 'scalar', range, value: r.value, unresolved: r.unresolved || undefined };
      }
      const source = typeof node.source === 'string' && node.type === 'PLAIN' ? node.source : undefined;
      return { kind: 'scalar', range, value: node.value, source };
    }
    return { kind: 'scalar', range, value: null };
  } finally {
    ctx.depth--;
  }
}

/**
 * Exact ranges for ((var)) uses when the scalar's text is its value (plain,
 * or quoted without escapes); otherwise uses fall back to the whole scalar.
 */
function locator(ctx: Ctx, r: readonly number[] | null | undefined, value: string): ((i: number, n: number) => Range | undefined) | undefined {
  if (!r) return undefined;
  const raw = ctx.text.slice(r[0], r[1]);
  let base: number;
  if (raw === value) base = r[0]!;
  else if (raw === `'${value}'` || raw === `"${value}"`) base = r[0]! + 1;
  else return undefined;
  return (i, n) => rangeOf(ctx.lc, base + i, base + i + n);
}

function convertMap(ctx: Ctx, pairs: { key: unknown; value: unknown }[], range: Range): YMap {
  const entries: YEntry[] = [];
  const merged: YEntry[] = [];
  const seen = new Map<string, Range>();
  for (const pair of pairs) {
    const keyNode = pair.key as Node | null;
    const keyRange = nodeRange(ctx, keyNode, range);
    const valueNode = pair.value as Node | null;
    if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
      // `<<: *defaults` or `<<: [*a, *b]`; earlier sources win, explicit keys win over all.
      const sources = valueNode && isSeq(valueNode) ? valueNode.items : [valueNode];
      for (const src of sources) {
        if (!src) continue;
        const m = convert(ctx, src as Node, keyRange);
        if (m.kind === 'map') for (const e of m.entries) if (!merged.some((x) => x.key === e.key)) merged.push(e);
      }
      continue;
    }
    const key = keyNode && isScalar(keyNode) ? String(keyNode.value) : keyNode ? JSON.stringify(keyNode.toJSON()) : '';
    const first = seen.get(key);
    if (first) {
      ctx.diags.push({
        severity: 'error',
        message: `Unable to push app because manifest ${ctx.file} is not valid yaml. mapping key "${key}" already defined at line ${first.start.line}`,
        start: keyRange.start,
        end: keyRange.end,
      });
      continue;
    }
    seen.set(key, keyRange);
    const value: YNode = valueNode ? convert(ctx, valueNode, keyRange) : { kind: 'scalar', range: { start: keyRange.end, end: keyRange.end }, value: null };
    entries.push({ key, keyRange, value });
  }
  for (const e of merged) if (!seen.has(e.key)) entries.push(e);
  return { kind: 'map', range, entries };
}

/** The plain JS value of a node, as apply_manifest should see it. */
export function toJS(node: YNode): unknown {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(toJS);
  const out: Record<string, unknown> = {};
  for (const e of node.entries) out[e.key] = toJS(e.value);
  return out;
}

export function entry(map: YMap, key: string): YEntry | undefined {
  return map.entries.find((e) => e.key === key);
}
